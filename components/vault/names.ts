/**
 * Every Vault object the blueprint's program owns is named under one prefix, so the deploy identity's policy
 * can grant exactly `blueprint-*` AppRole roles and `<kv mount>/data/blueprint-*` secrets and nothing else:
 * a team's or an operator's object outside the prefix is out of the deployer's reach.
 *
 * The deploy identity writes no ACL policy at all. Every service's token carries one policy,
 * SERVICE_POLICY_NAME, that the Vault operators declare once (ci-identity/): a template that lets a token
 * read the KV secret named after the AppRole role it logged in with, and nothing else. A role the deployer
 * creates can therefore never carry more than "read the secret of the same name", which the deployer could
 * write anyway; a policy it could write would have no such bound (Vault cannot limit what a policy says).
 */
export const VAULT_NAME_PREFIX = "blueprint";

/** The one policy every service's role carries: operator-owned, templated on the role's name. */
export const SERVICE_POLICY_NAME = `${VAULT_NAME_PREFIX}-services`;

/** The service's AppRole role: `blueprint-<service>`. */
export function serviceRoleName(service: string): string {
  return `${VAULT_NAME_PREFIX}-${service}`;
}

/**
 * The service's KV v2 secret, relative to the mount: the role's name, `blueprint-<service>`, because that
 * is the name SERVICE_POLICY_NAME's template resolves for the role's tokens.
 */
export function serviceSecretPath(service: string): string {
  return serviceRoleName(service);
}
