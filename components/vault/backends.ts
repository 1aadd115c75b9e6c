import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { VaultEnabledConfig, VaultLockoutConfig } from "./configSchema";
import { durationSeconds } from "./policy";
import { withResourceErrors } from "../resourceErrors";

export interface VaultMounts {
  kvMountPath: pulumi.Output<string>;
  approlePath: pulumi.Output<string>;
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
  if (!config.approleMount.create) return { kvMountPath, approlePath: pulumi.output(config.approleMount.path) };
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
  return { kvMountPath, approlePath: backend.path };
}
