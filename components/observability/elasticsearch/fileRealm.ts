import { stringify } from "yaml";

/**
 * Elasticsearch's file realm: users and roles that each node reads from files in config/ at start, before the
 * cluster has formed. The native realm (the users the setup Job creates) lives in the .security index, which
 * exists only once the cluster is up: an identity that must work before that, or that creates the native
 * users, is a file-realm user. Both are here, each with a role that grants only what it calls:
 *
 * - the readiness probe, which asks a node for its own health while the cluster may still be forming;
 * - the elasticsearch-setup Job, which writes the ILM policy, the index templates and the native roles and
 *   users, so the `elastic` superuser is left for break-glass use only.
 *
 * The file realm is on by default (no `xpack.security.authc.realms` setting) ahead of the native realm.
 */
export const FILE_REALM_USERS = {
  probe: { user: "elasticsearch-probe", role: "elasticsearch-probe", cluster: ["monitor"] },
  // The setup plan's calls: health (monitor), ILM, index templates, and roles, users and kibana_system's password.
  setup: { user: "elasticsearch-setup", role: "elasticsearch-setup", cluster: ["monitor", "manage_ilm", "manage_index_templates", "manage_security"] },
} as const;

export type FileRealmUser = keyof typeof FILE_REALM_USERS;

/**
 * config/users: `name:hash`, one line a user. Elasticsearch reads a bcrypt hash only with the prefix `$2a$`
 * (its Hasher). The hashes are each password's `RandomPassword.bcryptHash`: the random provider computes it
 * with Go's golang.org/x/crypto/bcrypt at its default cost, which writes `$2a$10$`, once, when the password is
 * created, and keeps it in state, so the Secret and the pods stay the same from one `pulumi up` to the next (a
 * hash computed in the program would need its salt kept in state for that). The stand-in random plugin
 * computes it the same way; its Go test checks the prefix and that the hash verifies against the password.
 */
export function usersFile(hashes: Record<FileRealmUser, string>): string {
  return (Object.keys(FILE_REALM_USERS) as FileRealmUser[]).map((key) => `${FILE_REALM_USERS[key].user}:${hashes[key]}\n`).join("");
}

/** config/users_roles: `role:user`, one line a role (each file user has its own role). */
export function usersRolesFile(): string {
  return Object.values(FILE_REALM_USERS)
    .map(({ user, role }) => `${role}:${user}\n`)
    .join("");
}

/** config/roles.yml: the file users' roles, cluster privileges only (no index, no application privilege). */
export function fileRolesYaml(): string {
  return stringify(Object.fromEntries(Object.values(FILE_REALM_USERS).map(({ role, cluster }) => [role, { cluster: [...cluster] }])));
}

/**
 * A curl config file that logs in as `user` (curl's `--config FILE`). curl reads the credentials from the
 * file, so they never appear in its argv, which every process on the node can read (`ps`, /proc/PID/cmdline).
 * Inside double quotes curl's config syntax treats backslash as an escape: both it and the quote are escaped.
 */
export function curlUserConfig(user: string, password: string): string {
  const quoted = `${user}:${password}`.replace(/[\\"]/g, (character) => `\\${character}`);
  return `user = "${quoted}"\n`;
}
