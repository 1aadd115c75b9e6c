/** KV v2 keeps data under `<mount>/data/<path>`; the policy must name that, not the logical path. */
function kvDataPath(mount: string, secretPath: string): string {
  return `${mount}/data/${secretPath}`;
}

// Vault policy paths treat `*` (prefix) and `+` (segment) as globs; a name carrying one would widen the grant.
const GLOB_OR_QUOTE = /[*+"\s]/;

/**
 * Least privilege: read this service's secret, renew its own token and revoke it at shutdown. Nothing else
 * and no globs: the role also sets token_no_default_policy, so these three rules are all a service's token
 * can do.
 */
export function servicePolicyDocument(mount: string, secretPath: string): string {
  for (const [what, value] of [["KV mount", mount], ["secret path", secretPath]] as const) {
    if (value === "" || GLOB_OR_QUOTE.test(value)) throw new Error(`Vault policy: ${what} '${value}' must be a plain path (no glob, quote or space)`);
  }
  return [
    `path "${kvDataPath(mount, secretPath)}" {`,
    `  capabilities = ["read"]`,
    `}`,
    ``,
    `path "auth/token/renew-self" {`,
    `  capabilities = ["update"]`,
    `}`,
    ``,
    `path "auth/token/revoke-self" {`,
    `  capabilities = ["update"]`,
    `}`,
    ``,
  ].join("\n");
}

/** Go-style durations as Vault accepts them ("24h", "30m", "1h30m"). */
export const DURATION_PATTERN = /^([0-9]+(h|m|s))+$/;

/** Vault's Go-style durations in seconds, as the provider's TTL fields expect. */
export function durationSeconds(duration: string): number {
  if (!DURATION_PATTERN.test(duration)) throw new Error(`'${duration}' is not a duration such as 24h, 30m or 1h30m`);
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/([0-9]+)(h|m|s)/g)) total += Number(amount) * units[unit];
  return total;
}
