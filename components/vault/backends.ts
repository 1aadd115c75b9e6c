import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { VaultEnabledConfig, VaultLockoutConfig } from "./configSchema";
import { durationSeconds } from "./policy";
import { withResourceErrors } from "../resourceErrors";

export interface VaultMounts {
  kvMountPath: pulumi.Output<string>;
  approlePath: pulumi.Output<string>;
  kubernetesPath: pulumi.Output<string>;
}

/**
 * The Kubernetes auth mount's config: the API server Vault sends TokenReviews to and its CA. With reviewer
 * `vault` Vault reviews with its own pod's token (disable_local_ca_jwt false: it rereads the file the
 * kubelet rotates); with `client` each login's token reviews itself (true: a Vault that does run in a pod
 * must not use its own). No token_reviewer_jwt ever: that would be a long-lived credential kept in Vault.
 */
export function kubernetesAuthConfigArgs(auth: NonNullable<VaultEnabledConfig["kubernetesAuth"]>, backend: pulumi.Input<string>): vault.kubernetes.AuthBackendConfigArgs {
  return { backend, kubernetesHost: auth.host, ...(auth.caCert === undefined ? {} : { kubernetesCaCert: auth.caCert }), disableLocalCaJwt: auth.reviewer === "client" };
}

/** The body of `POST sys/auth/<mount>/tune` that sets the mount's user lockout; Vault takes strings. */
export function lockoutTuneBody(lockout: VaultLockoutConfig): { user_lockout_config: Record<string, string | boolean> } {
  if ("disable" in lockout) return { user_lockout_config: { lockout_disable: true } };
  return {
    user_lockout_config: {
      lockout_threshold: String(lockout.threshold),
      lockout_duration: `${durationSeconds(lockout.duration)}s`,
      // The API's name; Vault silently ignores "lockout_counter_reset", and the counter then never resets.
      lockout_counter_reset_duration: `${durationSeconds(lockout.counterReset)}s`,
      lockout_disable: false,
    },
  };
}

/**
 * The KV v2 mount and the AppRole auth backend are shared by every service, so they are declared once
 * here, or taken as they are when config says they already exist.
 *
 * The AppRole backend's lockout is set with a generic write to `sys/auth/<mount>/tune`: the provider's
 * `tune` block has no lockout field. The read is disabled because the tune endpoint answers with the whole
 * mount config (the engine would see drift on every refresh), and so is the delete: destroying the stack
 * removes the mount itself, and a tune has nothing to delete.
 */
export function declareVaultMounts(config: VaultEnabledConfig, parent: pulumi.Resource): VaultMounts {
  const kvMountPath = config.kvMount.create
    ? new vault.Mount("kv", { path: config.kvMount.path, type: "kv", options: { version: "2" }, description: "production-blueprint service secrets" }, { parent }).path
    : pulumi.output(config.kvMount.path);
  const kubernetesPath = declareKubernetesAuth(config, parent);
  if (!config.approleMount.create) return { kvMountPath, approlePath: pulumi.output(config.approleMount.path), kubernetesPath };
  const backend = new vault.AuthBackend("approle", { type: "approle", path: config.approleMount.path, description: "production-blueprint service identities" }, { parent });
  const lockout = config.approleMount.lockout;
  if (lockout !== undefined) {
    new vault.generic.Endpoint(
      "approle-lockout",
      {
        path: pulumi.interpolate`sys/auth/${backend.path}/tune`,
        dataJson: JSON.stringify(withResourceErrors(parent, () => lockoutTuneBody(lockout))),
        disableRead: true,
        disableDelete: true,
      },
      { parent, dependsOn: [backend] },
    );
  }
  return { kvMountPath, approlePath: backend.path, kubernetesPath };
}

/**
 * The Kubernetes auth mount (declared only with create: true; the operators' CI identity stack makes it
 * otherwise) and, whenever `kubernetesAuth` is set, its config, which is the platform's: every service's
 * role on the mount shares it.
 */
function declareKubernetesAuth(config: VaultEnabledConfig, parent: pulumi.Resource): pulumi.Output<string> {
  const path = config.kubernetesMount.create
    ? new vault.AuthBackend("kubernetes", { type: "kubernetes", path: config.kubernetesMount.path, description: "production-blueprint service identities (ServiceAccount tokens)" }, { parent }).path
    : pulumi.output(config.kubernetesMount.path);
  const auth = config.kubernetesAuth;
  // eslint-disable-next-line security/detect-possible-timing-attacks -- compares a config object with undefined, not a secret with a guess
  if (auth === undefined) return path;
  const authConfig = new vault.kubernetes.AuthBackendConfig("kubernetes-config", kubernetesAuthConfigArgs(auth, path), { parent });
  // The roles wait for the config: a login before it exists would be refused.
  return authConfig.backend.apply((backend) => backend ?? config.kubernetesMount.path);
}
