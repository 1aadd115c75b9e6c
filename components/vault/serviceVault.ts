import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { type KubernetesReviewer, checkAuthMethod, checkTokenTtls, vaultEnabledFields } from "./configSchema";

/**
 * The Vault settings of a service that another project deploys onto the platform's Vault: the fields,
 * defaults and checks of the platform's `vault` config, less what the platform owns. Its address, mounts and
 * Kubernetes auth config are read from the platform stack (as Outputs), and the deployer's address is the
 * provider's business.
 */
export const vaultServiceSettingsSchema = vaultEnabledFields
  .omit({ address: true, deployerAddress: true, kvMount: true, approleMount: true, kubernetesMount: true, kubernetesAuth: true })
  .superRefine((value, ctx) => {
    checkTokenTtls(value, ctx);
    checkAuthMethod(value, ctx);
  });
export type VaultServiceSettings = z.infer<typeof vaultServiceSettingsSchema>;

/**
 * Vault as the service components take it. The settings stay plain: they decide which objects exist (a CA
 * ConfigMap, a pod or CIDR egress rule, a token volume). The pods' address and the mount paths may be
 * Inputs, such as another stack's Outputs. A parsed `VaultEnabledConfig` is one of these.
 */
export type ServiceVaultEnabledConfig = VaultServiceSettings & {
  address: pulumi.Input<string>;
  kvMount: { path: pulumi.Input<string> };
  approleMount: { path: pulumi.Input<string> };
  kubernetesMount: { path: pulumi.Input<string> };
  /** The platform's reviewer choice (configSchema.ts, KUBERNETES_REVIEWERS); needed with authMethod: kubernetes. */
  kubernetesAuth?: { reviewer: KubernetesReviewer };
};
export type ServiceVaultConfig = { enabled: false } | ServiceVaultEnabledConfig;
