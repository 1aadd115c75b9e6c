// The library surface: what another Pulumi project may import (docs/library.md). Everything else in
// components/ is internal and may change without notice.
import type * as pulumi from "@pulumi/pulumi";
import type { BlueprintOutputs } from "./blueprint";

export { blueprint, type BlueprintOutputs } from "./blueprint";
export { ConfigError, parseConfig, parseServiceConfig, readStackConfig, type BlueprintConfig } from "./stackConfig";
export { SYSTEM_NAMESPACES } from "./reservedNamespaces";
export { configSchema, serviceSchema, type Environment, type ImageConfig, type ServiceConfig } from "./configSchema";
export { Platform, type PlatformArgs } from "./platform";
export { clusterHost, platformEndpoints, type PlatformEndpoints, servicePlatformEndpoints, type ServicePlatformEndpoints } from "./platformEndpoints";
export { ProductionService, type ProductionServiceArgs, type ProductionServiceOutputs } from "./service/productionService";
export { VaultAppRole, type VaultAppRoleArgs } from "./vault/appRole";
export { vaultEnabledSchema, vaultSchema, type VaultConfig, type VaultEnabledConfig } from "./vault/configSchema";
export { KUBERNETES_REVIEWERS, type KubernetesReviewer, type VaultAuthMethod } from "./vault/configSchema";
export { vaultServiceSettingsSchema, type VaultServiceSettings, type ServiceVaultConfig, type ServiceVaultEnabledConfig } from "./vault/serviceVault";
export { asResourceError, pinMessage, withResourceErrors } from "./resourceErrors";
export { declareSecureNamespace, type PodSecurityLevel, type SecureNamespace } from "./k8s/namespace";
export { allowFlowsSpec, declareNetworkPolicy, defaultDenySpec, dnsEgressSpec, type Flow, type NetworkPeer, type PodPeer } from "./k8s/network";

/** The platform stack's outputs as a StackReference hands them over: every Output resolved to its value. */
export type PlatformStackOutputs = pulumi.Unwrap<BlueprintOutputs>;
