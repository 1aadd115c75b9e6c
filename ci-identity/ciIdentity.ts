import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { CiIdentityConfig } from "./config";
import { jwtRoleArgs } from "./jwtRoles";
import { CI_JOBS, type CiJob, JWT_AUTH_MOUNT, STATE_TRANSIT_MOUNT, ciPolicyName, ciRoleName, stateTransitKey } from "./names";
import { deployPolicyDocument, previewPolicyDocument } from "./vaultPolicies";

export interface CiIdentityOutputs {
  roles: Record<CiJob, string>;
  policies: Record<CiJob, string>;
  stateTransitKey: string;
}

/**
 * One environment's CI identities on one Vault: the JWT auth mount that trusts GitHub's issuer, the deploy
 * and preview roles with their policies, and the transit key that encrypts the stack's Pulumi secrets.
 */
export class CiIdentity extends pulumi.ComponentResource {
  readonly outputs: CiIdentityOutputs;

  constructor(name: string, config: CiIdentityConfig, opts: pulumi.ComponentResourceOptions = {}) {
    super("production-blueprint:ci-identity:CiIdentity", name, {}, opts);
    const parent = { parent: this };
    const environment = config.environment;

    // The names are constants (ci-identity/names.ts, shared with the workflows); the mounts, when this stack
    // declares them, are ordered before what lives on them by dependsOn.
    let jwtMount: pulumi.Resource[] = [];
    let transitMount: pulumi.Resource[] = [];
    if (config.declareSharedMounts) {
      const backend = new vault.jwt.AuthBackend(
        "github-actions",
        {
          path: JWT_AUTH_MOUNT,
          type: "jwt",
          description: "GitHub Actions OIDC (production-blueprint CI identities)",
          oidcDiscoveryUrl: config.oidc.discoveryUrl,
          boundIssuer: config.oidc.boundIssuer,
          ...(config.oidc.discoveryCaPem ? { oidcDiscoveryCaPem: config.oidc.discoveryCaPem } : {}),
        },
        parent,
      );
      // Protected: disabling the transit mount destroys every key on it, whatever the key's deletion_allowed says.
      const transit = new vault.Mount(
        "state-transit",
        { path: STATE_TRANSIT_MOUNT, type: "transit", description: "Pulumi state secrets of production-blueprint" },
        { ...parent, protect: true },
      );
      jwtMount = [backend];
      transitMount = [transit];
    }

    const key = new vault.transit.SecretBackendKey(
      `${environment}-state-key`,
      // The key never leaves Vault and cannot be deleted (by Vault or by Pulumi): losing it would make every
      // secret in the stack's state unreadable.
      { backend: STATE_TRANSIT_MOUNT, name: stateTransitKey(environment), type: "aes256-gcm96", exportable: false, allowPlaintextBackup: false, deletionAllowed: false },
      { ...parent, dependsOn: transitMount, protect: true },
    );

    const documents: Record<CiJob, string> = { deploy: deployPolicyDocument(environment, config), preview: previewPolicyDocument(environment) };
    for (const job of CI_JOBS) {
      const policy = new vault.Policy(`${environment}-${job}-policy`, { name: ciPolicyName(environment, job), policy: documents[job] }, parent);
      new vault.jwt.AuthBackendRole(`${environment}-${job}-role`, { backend: JWT_AUTH_MOUNT, ...jwtRoleArgs(environment, job, config.github) }, { ...parent, dependsOn: [policy, ...jwtMount] });
    }

    this.outputs = {
      roles: { deploy: ciRoleName(environment, "deploy"), preview: ciRoleName(environment, "preview") },
      policies: { deploy: ciPolicyName(environment, "deploy"), preview: ciPolicyName(environment, "preview") },
      stateTransitKey: stateTransitKey(environment),
    };
    this.registerOutputs({ ...this.outputs, stateTransitKeyName: key.name });
  }
}
