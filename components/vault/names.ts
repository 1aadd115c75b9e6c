/**
 * Every Vault object the blueprint's program owns is named under one prefix, so the deploy identity's policy
 * can grant exactly `blueprint-*` (policies and roles) and `<kv mount>/data/blueprint/*` (secrets) and
 * nothing else: a team's or an operator's object outside the prefix is out of the deployer's reach. The CI
 * identities' own policies (ci-identity/) are deliberately outside it, so no deployer can rewrite them.
 */
export const VAULT_NAME_PREFIX = "blueprint";

/** The service's AppRole (and, later, any other auth role): `blueprint-<service>`. */
export function serviceRoleName(service: string): string {
  return `${VAULT_NAME_PREFIX}-${service}`;
}

/** The service's ACL policy: `blueprint-<service>-read`. */
export function servicePolicyName(service: string): string {
  return `${VAULT_NAME_PREFIX}-${service}-read`;
}

/** The service's KV v2 secret, relative to the mount: `blueprint/<service>`. */
export function serviceSecretPath(service: string): string {
  return `${VAULT_NAME_PREFIX}/${service}`;
}
