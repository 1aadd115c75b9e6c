import { SERVICE_POLICY_NAME } from "./names";
import { durationSeconds } from "./policy";
import type { VaultServiceSettings } from "./serviceVault";

/**
 * What every service's token is, whichever login issued it: the operators' templated policy and nothing
 * else (not even Vault's `default` policy: cubbyhole, lookup-self, …), a renewable service token with the
 * configured TTLs, and the CIDR binding if one is set.
 */
export function serviceTokenArgs(config: Pick<VaultServiceSettings, "tokenTtl" | "tokenMaxTtl" | "tokenBoundCidrs">) {
  return {
    tokenPolicies: [SERVICE_POLICY_NAME],
    tokenNoDefaultPolicy: true,
    tokenType: "service",
    tokenTtl: durationSeconds(config.tokenTtl),
    tokenMaxTtl: durationSeconds(config.tokenMaxTtl),
    tokenBoundCidrs: config.tokenBoundCidrs,
  };
}
