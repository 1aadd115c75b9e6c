import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { declareSecret } from "../k8s/controllers";
import { withResourceErrors } from "../resourceErrors";
import type { SecretIdConfig } from "./configSchema";
import { SERVICE_POLICY_NAME, serviceRoleName, serviceSecretPath } from "./names";
import { durationSeconds } from "./policy";
import { declareServiceSecret } from "./serviceSecrets";
import { serviceTokenArgs } from "./serviceToken";
import type { ServiceVaultEnabledConfig } from "./serviceVault";

export interface VaultAppRoleArgs {
  serviceName: string;
  /** Namespace of the Kubernetes Secret that carries role-id and secret-id to the pods. */
  namespace: pulumi.Input<string>;
  /** The platform's parsed `vault` config, or a consumer's settings with the platform's address and mounts. */
  vault: ServiceVaultEnabledConfig;
  /** The secret_id's settings (required with authMethod: approle, so the caller has them checked). */
  secretId: SecretIdConfig;
  /** KV v2 mount path and AppRole auth path, created by the platform or existing ones. */
  kvMountPath: pulumi.Input<string>;
  approlePath: pulumi.Input<string>;
}

/** The component's type; a service that moves to Kubernetes auth names it to keep its secret (kubernetesRole.ts). */
export const APPROLE_COMPONENT_TYPE = "blueprint:vault:AppRole";

/** File names inside the mounted Secret volume; the service reads them through VAULT_*_FILE. */
export const APPROLE_SECRET_KEYS = { roleId: "role-id", secretId: "secret-id" } as const;

/**
 * Shows on the Kubernetes Secret which rotation its secret_id belongs to (never the value). Nothing reads it
 * back, so a Secret carrying an earlier version's `blueprint.dev/` key is simply rewritten by the next `pulumi up`.
 */
const ROTATION_ANNOTATION = "blueprint.io/secret-id-rotation";

/**
 * secret_id inputs whose change must issue a new secret_id. The provider's schema already marks them
 * ForceNew (the resource has no update); saying so here keeps the rotation working even if it stops.
 */
export const SECRET_ID_REPLACE_ON_CHANGES = ["metadata", "cidrLists"];

function approleSecretName(serviceName: string): string {
  return `${serviceName}-vault-approle`;
}

/**
 * The secret_id's metadata, with keys in the order Vault returns them, so a `pulumi refresh` reads back
 * the same string and never shows a spurious replacement.
 */
function secretIdMetadata(service: string, rotation: string): string {
  return JSON.stringify({ rotation, service });
}

/** The role as Vault should hold it: TTLs and CIDR bindings from config, nothing but the services' policy. */
function roleArgs(service: string, config: ServiceVaultEnabledConfig, secretId: SecretIdConfig, backend: pulumi.Input<string>): vault.approle.AuthBackendRoleArgs {
  return {
    backend,
    roleName: serviceRoleName(service),
    // The operators' templated policy: read the secret named after this role, nothing else (names.ts).
    ...serviceTokenArgs(config),
    bindSecretId: true,
    secretIdTtl: durationSeconds(secretId.ttl),
    secretIdNumUses: secretId.numUses,
    secretIdBoundCidrs: secretId.boundCidrs,
  };
}

/**
 * One service's Vault identity: its secret, a role whose tokens read only that secret (through the operators'
 * templated policy, SERVICE_POLICY_NAME), and a secret_id.
 */
export class VaultAppRole extends pulumi.ComponentResource {
  readonly secretPath: string;
  readonly credentialsSecretName: string;
  /** The Kubernetes Secret with role-id and secret-id; the Deployment waits for it (docs/vault.md). */
  readonly credentialsSecret: k8s.core.v1.Secret;
  readonly policyName: string;
  readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: VaultAppRoleArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(APPROLE_COMPONENT_TYPE, name, {}, opts);
    const parent = { parent: this };
    const service = args.serviceName;
    const secretIdConfig = args.secretId;
    this.secretPath = serviceSecretPath(service);

    declareServiceSecret(name, { kvMountPath: args.kvMountPath, secretPath: this.secretPath }, this);
    const role = new vault.approle.AuthBackendRole(`${name}-role`, withResourceErrors(this, () => roleArgs(service, args.vault, secretIdConfig, args.approlePath)), {
      ...parent,
      // The role_id is half of the login: kept out of plaintext state like the secret_id.
      additionalSecretOutputs: ["roleId"],
    });
    // The rotation key forces a new secret_id three ways: it is in the metadata (ForceNew in the provider),
    // metadata is in replaceOnChanges, and it is the engine's replacementTrigger. Create-before-delete (the
    // default, stated): the new secret_id exists and the Kubernetes Secret holds it before the old one is
    // destroyed, which Pulumi does last, after every dependent update (the pods' rollout) has succeeded.
    const secretId = new vault.approle.AuthBackendRoleSecretId(
      `${name}-secret-id`,
      {
        backend: args.approlePath,
        roleName: role.roleName,
        cidrLists: secretIdConfig.boundCidrs,
        metadata: secretIdMetadata(service, secretIdConfig.rotation),
      },
      {
        ...parent,
        replaceOnChanges: SECRET_ID_REPLACE_ON_CHANGES,
        replacementTrigger: secretIdConfig.rotation,
        deleteBeforeReplace: false,
        additionalSecretOutputs: ["secretId", "accessor"],
      },
    );

    this.credentialsSecretName = approleSecretName(service);
    this.credentialsSecret = declareSecret(
      { name: service, component: "vault-credentials", namespace: args.namespace },
      this.credentialsSecretName,
      { [APPROLE_SECRET_KEYS.roleId]: pulumi.secret(role.roleId), [APPROLE_SECRET_KEYS.secretId]: pulumi.secret(secretId.secretId) },
      { ...parent, resourceName: `${name}-approle-credentials`, annotations: { [ROTATION_ANNOTATION]: secretIdConfig.rotation } },
    );
    this.policyName = SERVICE_POLICY_NAME;
    this.roleName = role.roleName;
    this.registerOutputs({ credentialsSecretName: this.credentialsSecretName, policyName: this.policyName, roleName: this.roleName });
  }
}
