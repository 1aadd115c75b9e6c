import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import type { VaultEnabledConfig } from "./config";
import { durationSeconds, servicePolicyDocument } from "./policy";

export interface VaultAppRoleArgs {
  serviceName: string;
  /** Namespace of the Kubernetes Secret that carries role-id and secret-id to the pods. */
  namespace: pulumi.Input<string>;
  vault: VaultEnabledConfig;
  /** KV v2 mount path and AppRole auth path, created by the platform or existing ones. */
  kvMountPath: pulumi.Input<string>;
  approlePath: pulumi.Input<string>;
  databaseUrl?: pulumi.Output<string>;
}

export const APPROLE_SECRET_KEYS = { roleId: "role-id", secretId: "secret-id" } as const;

export function approleSecretName(serviceName: string): string {
  return `${serviceName}-vault-approle`;
}

/** One service's Vault identity: its secret, a policy that reads only that, a role, and a secret_id. */
export class VaultAppRole extends pulumi.ComponentResource {
  readonly credentialsSecretName: string;
  readonly secretPath: string;
  readonly policyName: pulumi.Output<string>;
  readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: VaultAppRoleArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:vault:AppRole", name, {}, opts);
    const parent = { parent: this };
    const service = args.serviceName;
    this.secretPath = service;

    const apiKey = new random.RandomBytes(`${name}-api-key`, { length: 32 }, parent);
    const jwtSecret = new random.RandomBytes(`${name}-jwt-secret`, { length: 48 }, parent);
    const data = pulumi.all([apiKey.hex, jwtSecret.base64, args.databaseUrl]).apply(([api_key, jwt_secret, database_url]) =>
      JSON.stringify({ api_key, jwt_secret, ...(database_url ? { database_url } : {}) }),
    );
    new vault.kv.SecretV2(`${name}-secret`, { mount: args.kvMountPath, name: service, dataJson: pulumi.secret(data) }, parent);

    const policy = new vault.Policy(
      `${name}-policy`,
      { name: `${service}-read`, policy: pulumi.output(args.kvMountPath).apply((mount) => servicePolicyDocument(mount, service)) },
      parent,
    );
    const role = new vault.approle.AuthBackendRole(
      `${name}-role`,
      {
        backend: args.approlePath,
        roleName: service,
        tokenPolicies: [policy.name],
        tokenTtl: durationSeconds(args.vault.tokenTtl),
        tokenMaxTtl: durationSeconds(args.vault.tokenMaxTtl),
        tokenBoundCidrs: args.vault.tokenBoundCidrs,
        secretIdTtl: durationSeconds(args.vault.secretId.ttl),
        secretIdNumUses: args.vault.secretId.numUses,
        secretIdBoundCidrs: args.vault.secretId.boundCidrs,
      },
      parent,
    );
    // Every field of a secret_id forces a new one, so changing the rotation key in config re-issues it;
    // the default create-before-delete order updates the Kubernetes Secret before the old id is revoked.
    const secretId = new vault.approle.AuthBackendRoleSecretId(
      `${name}-secret-id`,
      {
        backend: args.approlePath,
        roleName: role.roleName,
        cidrLists: args.vault.secretId.boundCidrs,
        metadata: JSON.stringify({ service, rotation: args.vault.secretId.rotation }),
      },
      { ...parent, additionalSecretOutputs: ["secretId", "accessor"] },
    );

    this.credentialsSecretName = approleSecretName(service);
    new k8s.core.v1.Secret(
      `${name}-approle-credentials`,
      {
        metadata: { name: this.credentialsSecretName, namespace: args.namespace, labels: { "app.kubernetes.io/name": service } },
        type: "Opaque",
        stringData: pulumi.secret({ [APPROLE_SECRET_KEYS.roleId]: role.roleId, [APPROLE_SECRET_KEYS.secretId]: secretId.secretId }),
      },
      parent,
    );
    this.policyName = policy.name;
    this.roleName = role.roleName;
    this.registerOutputs({ credentialsSecretName: this.credentialsSecretName, policyName: this.policyName, roleName: this.roleName });
  }
}
