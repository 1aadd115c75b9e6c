import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { lockoutTuneBody } from "../components/vault/backends";
import { SERVICE_POLICY_NAME } from "../components/vault/names";
import { servicePolicyTemplate } from "../components/vault/policy";
import type { CiIdentityConfig } from "./config";
import { jwtRoleArgs } from "./jwtRoles";
import { CI_JOBS, type CiJob, JWT_AUTH_MOUNT, STATE_TRANSIT_MOUNT, ciPolicyName, ciRoleName, stateTransitKey } from "./names";
import { deployPolicyDocument, previewPolicyDocument } from "./vaultPolicies";

export interface CiIdentityOutputs {
  roles: Record<CiJob, string>;
  policies: Record<CiJob, string>;
  stateTransitKey: string;
  /** The policy every service's role carries, AppRole or Kubernetes auth (declared here only with declareSharedMounts). */
  servicesPolicy: string;
}

interface PlatformMounts {
  kvPath: string;
  /** The AppRole mount's accessor: the backend's output, or read from Vault (only when asked: a lookup needs the mount). */
  approleAccessor: () => pulumi.Output<string>;
  /** The Kubernetes auth mount's accessor, the same way. */
  kubernetesAccessor: () => pulumi.Output<string>;
  /** What exists in Vault only once this stack has created it: the policy that names the mounts waits for it. */
  created: pulumi.Resource[];
}

/** An auth mount declared here (protected: disabling it deletes every role on it, and every login with them), or found in Vault. */
function authMount(mount: { path: string; create: boolean }, type: "approle" | "kubernetes", description: string, created: pulumi.Resource[], parent: pulumi.Resource) {
  if (!mount.create) return { backend: undefined, accessor: () => vault.getAuthBackendOutput({ path: mount.path }, { parent }).accessor };
  const backend = new vault.AuthBackend(`platform-${type}`, { type, path: mount.path, description }, { parent, protect: true });
  created.push(backend);
  return { backend, accessor: () => backend.accessor };
}

/**
 * The platform's KV v2, AppRole and Kubernetes auth mounts: declared here (with the AppRole mount's login
 * lockout) or found as the operators made them. The deploy identity only uses them, so it needs nothing
 * under sys/.
 */
function platformMounts(config: CiIdentityConfig, parent: pulumi.Resource): PlatformMounts {
  const created: pulumi.Resource[] = [];
  if (config.kvMount.create) {
    created.push(
      new vault.Mount(
        "platform-kv",
        { path: config.kvMount.path, type: "kv", options: { version: "2" }, description: "production-blueprint service secrets" },
        // Protected: disabling a KV mount deletes every secret on it.
        { parent, protect: true },
      ),
    );
  }
  const approle = authMount(config.approleMount, "approle", "production-blueprint service identities", created, parent);
  const kubernetes = authMount(config.kubernetesMount, "kubernetes", "production-blueprint service identities (ServiceAccount tokens)", created, parent);
  const lockout = config.approleMount.lockout;
  if (approle.backend !== undefined && lockout !== undefined) {
    // As components/vault/backends.ts writes it: the provider's tune block has no lockout field. The read is
    // disabled because the tune endpoint answers with the whole mount config (drift on every refresh), the
    // delete because a tune has nothing to delete (destroying the mount removes it).
    new vault.generic.Endpoint(
      "platform-approle-lockout",
      { path: pulumi.interpolate`sys/auth/${approle.backend.path}/tune`, dataJson: JSON.stringify(lockoutTuneBody(lockout)), disableRead: true, disableDelete: true },
      { parent, dependsOn: [approle.backend] },
    );
  }
  return { kvPath: config.kvMount.path, approleAccessor: approle.accessor, kubernetesAccessor: kubernetes.accessor, created };
}

/**
 * One environment's CI identities on one Vault: the JWT auth mount that trusts GitHub's issuer, the deploy
 * and preview roles with their policies, and the transit key that encrypts the stack's Pulumi secrets. And
 * the platform's Vault objects the deploy identity must not own, because owning them would let it widen
 * what it can reach: the KV and AppRole mounts, and the one templated policy every service's role carries.
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

    const mounts = platformMounts(config, this);
    if (config.declareSharedMounts) {
      // One policy for every environment on this Vault: its name is a constant the main program's roles carry.
      const accessorOf = (path: string) => vault.getAuthBackendOutput({ path }, parent).accessor;
      const accessors = [
        pulumi.all([mounts.approleAccessor(), mounts.kubernetesAccessor()]).apply(([approle, kubernetes]) => ({ kvPath: mounts.kvPath, approle, kubernetes })),
        ...config.otherEnvironmentMounts.map(({ kvPath, approlePath, kubernetesPath }) =>
          pulumi.all([accessorOf(approlePath), accessorOf(kubernetesPath)]).apply(([approle, kubernetes]) => ({ kvPath, approle, kubernetes })),
        ),
      ];
      new vault.Policy(
        "services-policy",
        { name: SERVICE_POLICY_NAME, policy: pulumi.all(accessors).apply(servicesPolicyDocument) },
        { ...parent, dependsOn: mounts.created },
      );
    }

    const key = new vault.transit.SecretBackendKey(
      `${environment}-state-key`,
      // The key never leaves Vault and cannot be deleted (by Vault or by Pulumi): losing it would make every
      // secret in the stack's state unreadable.
      { backend: STATE_TRANSIT_MOUNT, name: stateTransitKey(environment), type: "aes256-gcm96", exportable: false, allowPlaintextBackup: false, deletionAllowed: false },
      { ...parent, dependsOn: transitMount, protect: true },
    );

    const documents: Record<CiJob, string> = { deploy: deployPolicyDocument(environment, { kvPath: config.kvMount.path, approlePath: config.approleMount.path, kubernetesPath: config.kubernetesMount.path }), preview: previewPolicyDocument(environment) };
    for (const job of CI_JOBS) {
      const policy = new vault.Policy(`${environment}-${job}-policy`, { name: ciPolicyName(environment, job), policy: documents[job] }, parent);
      new vault.jwt.AuthBackendRole(`${environment}-${job}-role`, { backend: JWT_AUTH_MOUNT, ...jwtRoleArgs(environment, job, config.github) }, { ...parent, dependsOn: [policy, ...jwtMount] });
    }

    this.outputs = {
      roles: { deploy: ciRoleName(environment, "deploy"), preview: ciRoleName(environment, "preview") },
      policies: { deploy: ciPolicyName(environment, "deploy"), preview: ciPolicyName(environment, "preview") },
      stateTransitKey: stateTransitKey(environment),
      servicesPolicy: SERVICE_POLICY_NAME,
    };
    this.registerOutputs({ ...this.outputs, stateTransitKeyName: key.name });
  }
}

/**
 * The services' policy for every environment's mounts on the Vault (its KV mount, AppRole and Kubernetes auth
 * accessors): the main program's template for each, with the rules two share (renew-self, revoke-self)
 * written once. A token resolves only the alias of the mount it logged in with, so an environment's read
 * rules are void for every other environment's tokens.
 */
export function servicesPolicyDocument(mounts: { kvPath: string; approle: string; kubernetes: string }[]): string {
  const rules = mounts.flatMap(({ kvPath, approle, kubernetes }) => servicePolicyTemplate(kvPath, approle, kubernetes).trim().split(/\n\n+/));
  return `${[...new Set(rules)].join("\n\n")}\n`;
}
