import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { declareConfigMap, declareSecret } from "../k8s/controllers";
import { type Mount, mountOf, secretMount } from "../k8s/mounts";
import type { Flow } from "../k8s/network";
import { asResourceError } from "../resourceErrors";
import { APPROLE_SECRET_KEYS, VaultAppRole } from "../vault/appRole";
import type { ServiceVaultConfig, ServiceVaultEnabledConfig } from "../vault/serviceVault";
import type { CredentialRef } from "./workloadSchema";
import { randomApiKey } from "../vault/serviceSecrets";

const SECRETS_ROOT = "/var/run/secrets/blueprint";
const VAULT_CREDENTIALS_DIR = `${SECRETS_ROOT}/vault`;
const API_KEY_DIR = `${SECRETS_ROOT}/api`;
const API_KEY_FILE_NAME = "api-key";
/** Vault's CA is public: a ConfigMap, mounted outside the secrets tree. */
const VAULT_CA_DIR = "/etc/blueprint/vault-ca";
const VAULT_CA_FILE_NAME = "ca.crt";

/** How a service's credentials reach its pods: env for the ConfigMap, a read-only Secret volume, egress. */
export interface CredentialsDelivery {
  /** The Items API's variables (conventions: blueprint). Inputs: the Vault address and mounts may be another stack's Outputs. */
  env: Record<string, pulumi.Input<string>>;
  /** The same values by name, for any image's `env` entries that ask for them (workloadSchema.ts). */
  refs: Partial<Record<CredentialRef, pulumi.Input<string>>>;
  /** The files the container sees; the pod spec places their volumes. */
  mounts: Mount[];
  egress: Flow[];
  /** The Secret the pods mount: the Deployment is updated only after it (docs/vault.md, rotation). */
  secret: k8s.core.v1.Secret;
  /** The ConfigMap with Vault's CA, when config names one; the Deployment waits for it too. */
  caConfigMap?: k8s.core.v1.ConfigMap;
}

export interface CredentialsArgs {
  serviceName: string;
  namespace: pulumi.Input<string>;
  vault: ServiceVaultConfig;
  kvMountPath?: pulumi.Input<string>;
  approlePath?: pulumi.Input<string>;
}

/**
 * A Secret volume with exactly the named keys as files. Mounted as a directory, never with subPath: the
 * kubelet then swaps in a rotated value without a restart, which subPath mounts never get.
 */
function secretFiles(volumeName: string, secretName: pulumi.Input<string>, mountPath: string, keys: string[]): Mount {
  // 0440 with the pod's fsGroup: readable by the service's group, by nobody else.
  return secretMount(volumeName, secretName, mountPath, { items: keys.map((key) => ({ key, path: key })) });
}

/** Vault off (the local stack): a generated API key in a Kubernetes Secret stands in for the Vault secret. */
function provisionApiKey(args: CredentialsArgs, parent: pulumi.Resource): CredentialsDelivery {
  const service = args.serviceName;
  const secretName = `${service}-api-key`;
  const identity = { name: service, component: "api-key", namespace: args.namespace };
  const secret = declareSecret(identity, secretName, { [API_KEY_FILE_NAME]: randomApiKey(service, parent) }, { parent, resourceName: secretName });
  const apiKeyFile = `${API_KEY_DIR}/${API_KEY_FILE_NAME}`;
  return {
    env: { VAULT_ENABLED: "false", API_KEY_FILE: apiKeyFile },
    refs: { apiKeyFile },
    egress: [],
    secret,
    mounts: [secretFiles("api-key", secretName, API_KEY_DIR, [API_KEY_FILE_NAME])],
  };
}

/**
 * Vault's CA from config as a file in the pod. Its hash goes into the env (and so the pod template's config
 * checksum): the service reads the CA once at start, so a new CA must roll the pods.
 */
function vaultCa(args: CredentialsArgs, caCert: string, parent: pulumi.Resource): Pick<CredentialsDelivery, "env" | "mounts" | "caConfigMap"> & { file: string } {
  const name = `${args.serviceName}-vault-ca`;
  const identity = { name: args.serviceName, component: "vault-ca", namespace: args.namespace };
  const caConfigMap = declareConfigMap(identity, name, { [VAULT_CA_FILE_NAME]: caCert }, { parent });
  return {
    file: `${VAULT_CA_DIR}/${VAULT_CA_FILE_NAME}`,
    env: { VAULT_CA_CERT_FILE: `${VAULT_CA_DIR}/${VAULT_CA_FILE_NAME}`, VAULT_CA_CERT_SHA256: createHash("sha256").update(caCert).digest("hex") },
    mounts: [mountOf({ name: "vault-ca", configMap: { name, defaultMode: 0o444, items: [{ key: VAULT_CA_FILE_NAME, path: VAULT_CA_FILE_NAME }] } }, VAULT_CA_DIR)],
    caConfigMap,
  };
}

/**
 * The config schema's check that a CA comes with https, for an address it never saw: one read from another
 * stack arrives as an Output, past the schema.
 */
function checkedAddress(vaultConfig: ServiceVaultEnabledConfig, parent: pulumi.Resource): pulumi.Input<string> {
  if (vaultConfig.caCert === undefined) return vaultConfig.address;
  return pulumi.output(vaultConfig.address).apply((address) => {
    if (address.startsWith("http://")) throw asResourceError(new Error(`vault.caCert is set but the address ${address} is http://: use https:// or drop caCert`), parent);
    return address;
  });
}

/** Vault on: the service's own AppRole, its credentials as files, and egress to Vault alone. */
function provisionAppRole(args: CredentialsArgs, vaultConfig: ServiceVaultEnabledConfig, parent: pulumi.Resource): CredentialsDelivery {
  const service = args.serviceName;
  const role = new VaultAppRole(
    service,
    {
      serviceName: service,
      namespace: args.namespace,
      vault: vaultConfig,
      kvMountPath: args.kvMountPath ?? vaultConfig.kvMount.path,
      approlePath: args.approlePath ?? vaultConfig.approleMount.path,
    },
    { parent },
  );
  const approle = secretFiles("vault-approle", role.credentialsSecretName, VAULT_CREDENTIALS_DIR, [APPROLE_SECRET_KEYS.roleId, APPROLE_SECRET_KEYS.secretId]);
  const ca = vaultConfig.caCert === undefined ? undefined : vaultCa(args, vaultConfig.caCert, parent);
  const address = checkedAddress(vaultConfig, parent);
  const files = { roleId: `${VAULT_CREDENTIALS_DIR}/${APPROLE_SECRET_KEYS.roleId}`, secretId: `${VAULT_CREDENTIALS_DIR}/${APPROLE_SECRET_KEYS.secretId}` };
  return {
    refs: {
      vaultAddress: address,
      vaultRoleIdFile: files.roleId,
      vaultSecretIdFile: files.secretId,
      vaultKvMount: vaultConfig.kvMount.path,
      vaultSecretPath: role.secretPath,
      vaultApproleMount: vaultConfig.approleMount.path,
      ...(ca === undefined ? {} : { vaultCaFile: ca.file }),
    },
    env: {
      VAULT_ENABLED: "true",
      VAULT_URL: address,
      ...(vaultConfig.namespace === undefined ? {} : { VAULT_NAMESPACE: vaultConfig.namespace }),
      VAULT_AUTH_METHOD: "approle",
      VAULT_APPROLE_MOUNT: vaultConfig.approleMount.path,
      VAULT_ROLE_ID_FILE: files.roleId,
      VAULT_SECRET_ID_FILE: files.secretId,
      VAULT_MOUNT_POINT: vaultConfig.kvMount.path,
      VAULT_SECRET_PATH: role.secretPath,
      // Part of the ConfigMap checksum, so a rotation rolls the pods: each new pod must log in with the new
      // secret_id to become ready, and a failed rollout keeps the old secret_id alive (docs/vault.md).
      VAULT_SECRET_ID_ROTATION: vaultConfig.secretId.rotation,
      ...ca?.env,
    },
    egress: [{ peer: vaultConfig.network, ports: [{ port: vaultConfig.network.port }] }],
    secret: role.credentialsSecret,
    mounts: [approle, ...(ca?.mounts ?? [])],
    ...(ca === undefined ? {} : { caConfigMap: ca.caConfigMap }),
  };
}

export function provisionCredentials(args: CredentialsArgs, parent: pulumi.Resource): CredentialsDelivery {
  return args.vault.enabled ? provisionAppRole(args, args.vault, parent) : provisionApiKey(args, parent);
}
