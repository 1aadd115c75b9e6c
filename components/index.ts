export { blueprint, type BlueprintOutputs } from "./blueprint";
export { ConfigError, parseConfig, readStackConfig, type BlueprintConfig } from "./config";
export { Platform, type PlatformArgs } from "./platform";
export { platformEndpoints, type PlatformEndpoints } from "./platformEndpoints";
export { ProductionService, type ProductionServiceArgs, type ProductionServiceOutputs } from "./service/productionService";
export { VaultAppRole, type VaultAppRoleArgs } from "./vault/appRole";
