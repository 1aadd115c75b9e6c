/** KV v2 keeps data under `<mount>/data/<path>`; the policy must name that, not the logical path. */
export function kvDataPath(mount: string, secretPath: string): string {
  return `${mount}/data/${secretPath}`;
}

/** Least privilege: read this service's secret, renew its own token. Nothing else, no wildcards. */
export function servicePolicyDocument(mount: string, secretPath: string): string {
  return [
    `path "${kvDataPath(mount, secretPath)}" {`,
    `  capabilities = ["read"]`,
    `}`,
    ``,
    `path "auth/token/renew-self" {`,
    `  capabilities = ["update"]`,
    `}`,
    ``,
  ].join("\n");
}

/** Vault's Go-style durations ("1h", "30m", "1h30m") in seconds, as the provider's TTL fields expect. */
export function durationSeconds(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/([0-9]+)(h|m|s)/g)) total += Number(amount) * units[unit];
  return total;
}
