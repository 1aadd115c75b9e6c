// An AppRole mount's accessor as Vault makes it (`auth_approle_1a2b3c4d`): anything else in a template
// would be a path the operators did not mean.
const ACCESSOR = /^auth_approle_[0-9a-f]+$/;
// Vault policy paths treat `*` (prefix) and `+` (segment) as globs; a mount carrying one would widen the grant.
const PLAIN_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/**
 * The one policy of every service's token (SERVICE_POLICY_NAME, declared by the Vault operators in
 * ci-identity/): read the KV v2 secret whose name is the AppRole role the token logged in with
 * (`{{identity.entity.aliases.<accessor>.metadata.role_name}}`: AppRole puts the role's name in the alias's
 * metadata at every login), renew its own token and revoke it at shutdown. Nothing else: the roles set
 * token_no_default_policy. KV v2 keeps data under `<mount>/data/<path>`, so that is the path named. A token
 * from any other auth method resolves no alias on this accessor, and Vault then drops the templated path.
 */
export function servicePolicyTemplate(kvMount: string, approleAccessor: string): string {
  if (!PLAIN_PATH.test(kvMount)) throw new Error(`Vault policy: KV mount '${kvMount}' must be a plain path (no glob, quote or space)`);
  if (!ACCESSOR.test(approleAccessor)) throw new Error(`Vault policy: '${approleAccessor}' is not an AppRole mount accessor (auth_approle_<hex>)`);
  return [
    `path "${kvMount}/data/{{identity.entity.aliases.${approleAccessor}.metadata.role_name}}" {`,
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
