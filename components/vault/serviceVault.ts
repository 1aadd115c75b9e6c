import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { checkTokenTtls, vaultEnabledFields } from "./configSchema";

/**
 * The Vault settings of a service that another project deploys onto the platform's Vault: the fields,
 * defaults and checks of the platform's `vault` config, less what the platform owns. Its address and
 * mounts are read from the platform stack (as Outputs), and the deployer's address is the provider's business.
 */
export const vaultServiceSettingsSchema = vaultEnabledFields
  .omit({ address: true, deployerAddress: true, kvMount: true, approleMount: true })
  .superRefine(checkTokenTtls);
export type VaultServiceSettings = z.infer<typeof vaultServiceSettingsSchema>;

/**
 * Vault as the service components take it. The settings stay plain: they decide which objects exist (a CA
 * ConfigMap, a pod or CIDR egress rule). The pods' address and the mount paths may be Inputs, such as
 * another stack's Outputs. A parsed `VaultEnabledConfig` is one of these.
 */
export type ServiceVaultEnabledConfig = VaultServiceSettings & {
  address: pulumi.Input<string>;
  kvMount: { path: pulumi.Input<string> };
  approleMount: { path: pulumi.Input<string> };
};
export type ServiceVaultConfig = { enabled: false } | ServiceVaultEnabledConfig;
