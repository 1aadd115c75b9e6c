import { VAULT_NAME_PREFIX } from "./names";

// Mount accessors as Vault makes them (`auth_approle_1a2b3c4d`, `auth_kubernetes_…`): anything else in a
// template would be a path the operators did not mean.
const ACCESSOR = { approle: /^auth_approle_[0-9a-f]+$/, kubernetes: /^auth_kubernetes_[0-9a-f]+$/ } as const;
// Vault policy paths treat `*` (prefix) and `+` (segment) as globs; a mount carrying one would widen the grant.
// eslint-disable-next-line security/detect-unsafe-regex -- each repetition starts with '/', which the segment's class excludes: one way to split, linear time
const PLAIN_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

function checkedAccessor(kind: keyof typeof ACCESSOR, accessor: string): string {
  const name = kind === "approle" ? "AppRole" : "Kubernetes auth";
  if (!ACCESSOR[kind].test(accessor)) throw new Error(`Vault policy: '${accessor}' is not ${kind === "approle" ? "an" : "a"} ${name} mount accessor (auth_${kind}_<hex>)`);
  return accessor;
}

/**
 * The one policy of every service's token (SERVICE_POLICY_NAME, declared by the Vault operators in
 * ci-identity/): read the KV v2 secret named after the identity that logged in, renew its own token and
 * revoke it at shutdown. Nothing else: the roles set token_no_default_policy. KV v2 keeps data under
 * `<mount>/data/<path>`, so that is the path named. Vault fills a template from the login's entity alias on
 * the named mount, and drops a path whose template resolves nothing (a token from another method):
 * - AppRole puts the role's name in the alias's metadata (`role_name`): the secret `blueprint-<service>`;
 * - Kubernetes auth puts the ServiceAccount's name there (`service_account_name`), which the role binds
 *   together with its namespace: the secret `blueprint-<ServiceAccount>`, the service's own, since a
 *   service's pods run as the ServiceAccount named after it.
 */
export function servicePolicyTemplate(kvMount: string, approleAccessor: string, kubernetesAccessor?: string): string {
  if (!PLAIN_PATH.test(kvMount)) throw new Error(`Vault policy: KV mount '${kvMount}' must be a plain path (no glob, quote or space)`);
  const approle = checkedAccessor("approle", approleAccessor);
  const kubernetes = kubernetesAccessor === undefined ? [] : [checkedAccessor("kubernetes", kubernetesAccessor)];
  return [
    `path "${kvMount}/data/{{identity.entity.aliases.${approle}.metadata.role_name}}" {`,
    `  capabilities = ["read"]`,
    `}`,
    ``,
    ...kubernetes.flatMap((accessor) => [
      `path "${kvMount}/data/${VAULT_NAME_PREFIX}-{{identity.entity.aliases.${accessor}.metadata.service_account_name}}" {`,
      `  capabilities = ["read"]`,
      `}`,
      ``,
    ]),
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
// eslint-disable-next-line security/detect-unsafe-regex -- each repetition ends with a unit letter the digit class excludes: one way to split, linear time
export const DURATION_PATTERN = /^([0-9]+(h|m|s))+$/;

/** Vault's Go-style durations in seconds, as the provider's TTL fields expect. */
export function durationSeconds(duration: string): number {
  if (!DURATION_PATTERN.test(duration)) throw new Error(`'${duration}' is not a duration such as 24h, 30m or 1h30m`);
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/([0-9]+)(h|m|s)/g)) total += Number(amount) * units[unit];
  return total;
}
