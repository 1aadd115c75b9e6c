import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { declareConfigMap, declareSecret } from "../k8s/controllers";
import { type Mount, mountOf, secretMount } from "../k8s/mounts";
import type { Flow } from "../k8s/network";
import { asResourceError } from "../resourceErrors";
import { APPROLE_SECRET_KEYS, VaultAppRole } from "../vault/appRole";
import { VaultKubernetesRole } from "../vault/kubernetesRole";
import { bindClusterRoleToWorkload } from "../k8s/rbac";
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
/** The projected ServiceAccount token for Vault's Kubernetes auth. */
const VAULT_TOKEN_DIR = `${SECRETS_ROOT}/vault-token`;
const VAULT_TOKEN_FILE_NAME = "token";

/** How a service's credentials reach its pods: env for the ConfigMap, a read-only Secret volume, egress. */
export interface CredentialsDelivery {
  /** The Items API's variables (conventions: blueprint). Inputs: the Vault address and mounts may be another stack's Outputs. */
  env: Record<string, pulumi.Input<string>>;
  /** The same values by name, for any image's `env` entries that ask for them (workloadSchema.ts). */
  refs: Partial<Record<CredentialRef, pulumi.Input<string>>>;
  /** The files the container sees; the pod spec places their volumes. */
  mounts: Mount[];
  egress: Flow[];
  /**
   * What the Deployment is updated after: the Secret the pods mount (an AppRole's, rotated: docs/vault.md),
   * the Vault role they log in to, the ConfigMap with Vault's CA.
   */
  waitFor: pulumi.Resource[];
}

export interface CredentialsArgs {
  serviceName: string;
  namespace: pulumi.Input<string>;
  vault: ServiceVaultConfig;
  /** The ServiceAccount the pods run as: a Kubernetes auth role accepts its tokens only. */
  serviceAccountName: string;
  kvMountPath?: pulumi.Input<string>;
  approlePath?: pulumi.Input<string>;
  kubernetesPath?: pulumi.Input<string>;
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
    waitFor: [secret],
    mounts: [secretFiles("api-key", secretName, API_KEY_DIR, [API_KEY_FILE_NAME])],
  };
}

/**
 * Vault's CA from config as a file in the pod. Its hash goes into the env (and so the pod template's config
 * checksum): the service reads the CA once at start, so a new CA must roll the pods.
 */
function vaultCa(args: CredentialsArgs, caCert: string, parent: pulumi.Resource): Pick<CredentialsDelivery, "env" | "mounts"> & { file: string; caConfigMap: k8s.core.v1.ConfigMap } {
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

/** One login's part of the delivery: its variables, the files it reads, and what the pods wait for. */
interface VaultLogin {
  env: Record<string, pulumi.Input<string>>;
  refs: CredentialsDelivery["refs"];
  mounts: Mount[];
  waitFor: pulumi.Resource[];
}

/** AppRole: the role's role_id and secret_id in a Kubernetes Secret, mounted as files. */
function appRoleLogin(args: CredentialsArgs, vaultConfig: ServiceVaultEnabledConfig, parent: pulumi.Resource): VaultLogin {
  const service = args.serviceName;
  const secretId = vaultConfig.secretId;
  if (secretId === undefined) throw asResourceError(new Error("vault.secretId: is required with authMethod: approle"), parent);
  const approlePath = args.approlePath ?? vaultConfig.approleMount.path;
  const role = new VaultAppRole(
    service,
    { serviceName: service, namespace: args.namespace, vault: vaultConfig, secretId, kvMountPath: args.kvMountPath ?? vaultConfig.kvMount.path, approlePath },
    { parent },
  );
  const files = { roleId: `${VAULT_CREDENTIALS_DIR}/${APPROLE_SECRET_KEYS.roleId}`, secretId: `${VAULT_CREDENTIALS_DIR}/${APPROLE_SECRET_KEYS.secretId}` };
  return {
    refs: { vaultRoleIdFile: files.roleId, vaultSecretIdFile: files.secretId, vaultApproleMount: vaultConfig.approleMount.path, vaultSecretPath: role.secretPath },
    env: {
      VAULT_AUTH_METHOD: "approle",
      VAULT_APPROLE_MOUNT: vaultConfig.approleMount.path,
      VAULT_ROLE_ID_FILE: files.roleId,
      VAULT_SECRET_ID_FILE: files.secretId,
      VAULT_SECRET_PATH: role.secretPath,
      // Part of the ConfigMap checksum, so a rotation rolls the pods: each new pod must log in with the new
      // secret_id to become ready, and a failed rollout keeps the old secret_id alive (docs/vault.md).
      VAULT_SECRET_ID_ROTATION: secretId.rotation,
    },
    mounts: [secretFiles("vault-approle", role.credentialsSecretName, VAULT_CREDENTIALS_DIR, [APPROLE_SECRET_KEYS.roleId, APPROLE_SECRET_KEYS.secretId])],
    waitFor: [role.credentialsSecret],
  };
}

/**
 * The projected ServiceAccount token the service logs in with: issued by the kubelet for Vault's audience
 * alone, short-lived, replaced in place before it expires (a projected volume, never subPath), and
 * readable by the pod's group only. The ServiceAccount keeps automounting off: this token is no API token.
 */
export function vaultTokenMount(token: { audience: string; expirationSeconds: number }): Mount {
  return mountOf(
    { name: "vault-token", projected: { defaultMode: 0o440, sources: [{ serviceAccountToken: { audience: token.audience, expirationSeconds: token.expirationSeconds, path: VAULT_TOKEN_FILE_NAME } }] } },
    VAULT_TOKEN_DIR,
  );
}

/**
 * With reviewer `client` the login's token asks the API server about itself, so the ServiceAccount may
 * create TokenReviews (system:auth-delegator, the built-in role for exactly that and SubjectAccessReviews).
 */
function declareReviewBinding(args: CredentialsArgs, parent: pulumi.Resource): k8s.rbac.v1.ClusterRoleBinding {
  const identity = { name: args.serviceAccountName, component: "vault-token-review", namespace: args.namespace };
  return bindClusterRoleToWorkload(
    identity,
    { name: pulumi.interpolate`${args.namespace}-${args.serviceName}-vault-token-review`, clusterRole: "system:auth-delegator", resourceName: `${args.serviceName}-vault-token-review` },
    parent,
  );
}

/** Kubernetes auth: a role bound to the service's ServiceAccount, and the pod's projected token as the file. */
function kubernetesLogin(args: CredentialsArgs, vaultConfig: ServiceVaultEnabledConfig, parent: pulumi.Resource): VaultLogin {
  const service = args.serviceName;
  const reviewer = vaultConfig.kubernetesAuth?.reviewer;
  if (reviewer === undefined) throw asResourceError(new Error("vault.kubernetesAuth: is required with authMethod: kubernetes (the platform's reviewer choice)"), parent);
  const kubernetesPath = args.kubernetesPath ?? vaultConfig.kubernetesMount.path;
  const role = new VaultKubernetesRole(
    service,
    { serviceName: service, namespace: args.namespace, serviceAccountName: args.serviceAccountName, vault: vaultConfig, kvMountPath: args.kvMountPath ?? vaultConfig.kvMount.path, kubernetesPath },
    { parent },
  );
  const tokenFile = `${VAULT_TOKEN_DIR}/${VAULT_TOKEN_FILE_NAME}`;
  return {
    refs: { vaultTokenFile: tokenFile, vaultKubernetesRole: role.roleName, vaultKubernetesMount: vaultConfig.kubernetesMount.path, vaultSecretPath: role.secretPath },
    env: {
      VAULT_AUTH_METHOD: "kubernetes",
      VAULT_KUBERNETES_MOUNT: vaultConfig.kubernetesMount.path,
      VAULT_KUBERNETES_ROLE: role.roleName,
      VAULT_KUBERNETES_TOKEN_FILE: tokenFile,
      VAULT_SECRET_PATH: role.secretPath,
    },
    mounts: [vaultTokenMount(vaultConfig.kubernetesToken)],
    // The pods log in at start: the role (and with reviewer client, the right to review) must exist first.
    waitFor: [role.role, ...(reviewer === "client" ? [declareReviewBinding(args, parent)] : [])],
  };
}

/** Vault on: the service's own Vault identity, its login's files, Vault's CA, and egress to Vault alone. */
function provisionVault(args: CredentialsArgs, vaultConfig: ServiceVaultEnabledConfig, parent: pulumi.Resource): CredentialsDelivery {
  const login = vaultConfig.authMethod === "kubernetes" ? kubernetesLogin(args, vaultConfig, parent) : appRoleLogin(args, vaultConfig, parent);
  const ca = vaultConfig.caCert === undefined ? undefined : vaultCa(args, vaultConfig.caCert, parent);
  const address = checkedAddress(vaultConfig, parent);
  return {
    refs: { vaultAddress: address, vaultKvMount: vaultConfig.kvMount.path, ...login.refs, ...(ca === undefined ? {} : { vaultCaFile: ca.file }) },
    env: {
      VAULT_ENABLED: "true",
      VAULT_URL: address,
      ...(vaultConfig.namespace === undefined ? {} : { VAULT_NAMESPACE: vaultConfig.namespace }),
      VAULT_MOUNT_POINT: vaultConfig.kvMount.path,
      ...login.env,
      ...ca?.env,
    },
    egress: [{ peer: vaultConfig.network, ports: [{ port: vaultConfig.network.port }] }],
    mounts: [...login.mounts, ...(ca?.mounts ?? [])],
    waitFor: [...login.waitFor, ...(ca === undefined ? [] : [ca.caConfigMap])],
  };
}

export function provisionCredentials(args: CredentialsArgs, parent: pulumi.Resource): CredentialsDelivery {
  return args.vault.enabled ? provisionVault(args, args.vault, parent) : provisionApiKey(args, parent);
}
