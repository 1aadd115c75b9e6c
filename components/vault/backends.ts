import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { VaultEnabledConfig } from "./config";

export interface VaultMounts {
  kvMountPath: pulumi.Output<string>;
  approlePath: pulumi.Output<string>;
}

/**
 * The KV v2 mount and the AppRole auth backend are shared by every service, so they are declared once
 * here, or taken as they are when config says they already exist.
 */
export function declareVaultMounts(config: VaultEnabledConfig, parent: pulumi.Resource): VaultMounts {
  const kvMountPath = config.kvMount.create
    ? new vault.Mount("kv", { path: config.kvMount.path, type: "kv", options: { version: "2" }, description: "production-blueprint service secrets" }, { parent }).path
    : pulumi.output(config.kvMount.path);
  const approlePath = config.approleMount.create
    ? new vault.AuthBackend("approle", { type: "approle", path: config.approleMount.path, description: "production-blueprint service identities" }, { parent }).path
    : pulumi.output(config.approleMount.path);
  return { kvMountPath, approlePath };
}
