import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Flow } from "../k8s/network";
import { APPROLE_SECRET_KEYS, VaultAppRole } from "../vault/appRole";
import type { VaultConfig } from "../vault/config";

export const SECRETS_ROOT = "/var/run/secrets/blueprint";
export const VAULT_CREDENTIALS_DIR = `${SECRETS_ROOT}/vault`;
export const API_KEY_DIR = `${SECRETS_ROOT}/api`;

/** How a service's credentials reach its pods: env for the ConfigMap, a read-only Secret volume, egress. */
export interface CredentialsDelivery {
  env: Record<string, string>;
  volumes: k8s.types.input.core.v1.Volume[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  egress: Flow[];
}

export interface CredentialsArgs {
  serviceName: string;
  namespace: pulumi.Input<string>;
  vault: VaultConfig;
  kvMountPath?: pulumi.Input<string>;
  approlePath?: pulumi.Input<string>;
  databaseUrl?: pulumi.Output<string>;
}

function secretVolume(volumeName: string, secretName: string, mountPath: string): Pick<CredentialsDelivery, "volumes" | "volumeMounts"> {
  return {
    // 0440 with the pod's fsGroup: readable by the service's group, by nobody else.
    volumes: [{ name: volumeName, secret: { secretName, defaultMode: 0o440 } }],
    volumeMounts: [{ name: volumeName, mountPath, readOnly: true }],
  };
}

/**
 * With Vault on, the service gets its own AppRole and reads its secrets at start; with Vault off (the
 * local stack), a generated API key in a Kubernetes Secret stands in for the Vault secret.
 */
export function provisionCredentials(args: CredentialsArgs, parent: pulumi.Resource): CredentialsDelivery {
  const service = args.serviceName;
  if (!args.vault.enabled) {
    const apiKey = new random.RandomBytes(`${service}-api-key`, { length: 32 }, { parent });
    const secretName = `${service}-api-key`;
    new k8s.core.v1.Secret(
      `${service}-api-key`,
      { metadata: { name: secretName, namespace: args.namespace }, type: "Opaque", stringData: { "api-key": apiKey.hex } },
      { parent },
    );
    return { env: { VAULT_ENABLED: "false", API_KEY_FILE: `${API_KEY_DIR}/api-key` }, egress: [], ...secretVolume("api-key", secretName, API_KEY_DIR) };
  }
  const vaultConfig = args.vault;
  const kvMountPath = args.kvMountPath ?? vaultConfig.kvMount.path;
  const role = new VaultAppRole(
    service,
    {
      serviceName: service,
      namespace: args.namespace,
      vault: vaultConfig,
      kvMountPath,
      approlePath: args.approlePath ?? vaultConfig.approleMount.path,
      ...(args.databaseUrl ? { databaseUrl: args.databaseUrl } : {}),
    },
    { parent },
  );
  return {
    env: {
      VAULT_ENABLED: "true",
      VAULT_URL: vaultConfig.address,
      VAULT_AUTH_METHOD: "approle",
      VAULT_ROLE_ID_FILE: `${VAULT_CREDENTIALS_DIR}/${APPROLE_SECRET_KEYS.roleId}`,
      VAULT_SECRET_ID_FILE: `${VAULT_CREDENTIALS_DIR}/${APPROLE_SECRET_KEYS.secretId}`,
      VAULT_MOUNT_POINT: vaultConfig.kvMount.path,
      VAULT_SECRET_PATH: role.secretPath,
    },
    egress: [{ peer: vaultConfig.network, ports: [{ port: vaultConfig.network.port }] }],
    ...secretVolume("vault-approle", role.credentialsSecretName, VAULT_CREDENTIALS_DIR),
  };
}
