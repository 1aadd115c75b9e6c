import { SERVICE_POLICY_NAME } from "../../components/vault/names";
import { servicePolicyTemplate } from "../../components/vault/policy";
import type { MockRun } from "./runs";

export interface PolicyRule {
  path: string;
  capabilities: string[];
}

const RULE = /path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g;

/**
 * Parses a Vault policy document into its path rules. Anything that is not a path rule makes it throw,
 * so a construct this reader does not understand can never be read as "grants nothing".
 */
export function parsePolicy(document: string): PolicyRule[] {
  const rules = [...document.matchAll(RULE)].map(([, path, list]) => ({ path, capabilities: [...list.matchAll(/"([^"]+)"/g)].map(([, capability]) => capability) }));
  const leftover = document.replace(RULE, "").replace(/#[^\n]*/g, "").trim();
  if (leftover) throw new Error(`policy holds something other than path rules: ${leftover.slice(0, 80)}`);
  return rules;
}

/** Vault's path globs: a trailing `*` matches any suffix, `+` matches exactly one segment. */
export function pathMatches(pattern: string, path: string): boolean {
  const prefix = pattern.endsWith("*");
  const patternSegments = (prefix ? pattern.slice(0, -1) : pattern).split("/");
  const pathSegments = path.split("/");
  return patternSegments.every((segment, index) => {
    const actual = pathSegments[index];
    if (actual === undefined) return false;
    if (index === patternSegments.length - 1 && prefix) return actual.startsWith(segment);
    return segment === "+" || segment === actual;
  }) && (prefix || patternSegments.length === pathSegments.length);
}

export interface VaultIdentity {
  role: string;
  /** Rules of every policy the role's tokens carry (by name), with "default" when not excluded. */
  rules: PolicyRule[];
  policies: string[];
}

function inputsOf(run: MockRun, type: string): Record<string, any>[] {
  return run.resources.filter((resource) => resource.type === type).map((resource) => resource.inputs as Record<string, any>);
}

// Any accessors will do: the template is resolved here as Vault resolves it for a login on that mount.
const MODEL_ACCESSORS = { approle: "auth_approle_0", kubernetes: "auth_kubernetes_0" };

/**
 * The operators' services policy (ci-identity/ declares it, not the program) as Vault resolves it for the
 * tokens of one role: an AppRole login carries the role's name in its alias metadata, a Kubernetes login the
 * ServiceAccount's name; the path of the other method resolves nothing and Vault drops it.
 * test/systems/ci-identity.systems.ts and the Kubernetes auth e2e show the real Vault resolving it the same way.
 */
function servicePolicyFor(kvMount: string, login: { approleRole?: string; serviceAccount?: string }): string {
  const template = servicePolicyTemplate(kvMount, MODEL_ACCESSORS.approle, MODEL_ACCESSORS.kubernetes);
  const resolve = (accessor: string, key: string, value: string | undefined) => (document: string) => {
    const placeholder = `{{identity.entity.aliases.${accessor}.metadata.${key}}}`;
    if (value !== undefined) return document.replaceAll(placeholder, value);
    return document.split(/\n\n+/).filter((rule) => !rule.includes(placeholder)).join("\n\n");
  };
  return [resolve(MODEL_ACCESSORS.approle, "role_name", login.approleRole), resolve(MODEL_ACCESSORS.kubernetes, "service_account_name", login.serviceAccount)].reduce((document, step) => step(document), template);
}

const ROLE_TYPES = { approle: "vault:appRole/authBackendRole:AuthBackendRole", kubernetes: "vault:kubernetes/authBackendRole:AuthBackendRole" };

/** Each service role (AppRole or Kubernetes auth) and what its tokens may do, from the declared resources and the operators' services policy. */
export function vaultIdentities(run: MockRun): Map<string, VaultIdentity> {
  const declared = new Map(inputsOf(run, "vault:index/policy:Policy").map((policy) => [String(policy.name), String(policy.policy)]));
  const kvMount = run.config.vault.enabled ? run.config.vault.kvMount.path : undefined;
  const roles = [
    ...inputsOf(run, ROLE_TYPES.approle).map((role) => ({ role, login: { approleRole: String(role.roleName) } })),
    ...inputsOf(run, ROLE_TYPES.kubernetes).map((role) => {
      const accounts = role.boundServiceAccountNames as string[];
      if (accounts.length !== 1) throw new Error(`role ${role.roleName} binds ${accounts.length} ServiceAccounts; a service's role binds its own only`);
      return { role, login: { serviceAccount: accounts[0] } };
    }),
  ];
  return new Map(
    roles.map(({ role, login }) => {
      const documents = new Map(declared);
      if (kvMount !== undefined && !documents.has(SERVICE_POLICY_NAME)) documents.set(SERVICE_POLICY_NAME, servicePolicyFor(kvMount, login));
      const policies: string[] = [...(role.tokenPolicies ?? []), ...(role.tokenNoDefaultPolicy ? [] : ["default"])];
      const unknown = policies.filter((name) => name !== "default" && name !== "root" && !documents.has(name));
      if (unknown.length > 0) throw new Error(`role ${role.roleName} carries policies that are not declared: ${unknown.join(", ")}`);
      // Vault's built-in "default" policy reads no KV path; "root" reads everything.
      const builtIn: Record<string, PolicyRule[]> = { default: [], root: [{ path: "*", capabilities: ["read"] }] };
      const rules = policies.flatMap((name) => builtIn[name] ?? parsePolicy(documents.get(name) as string));
      return [String(role.roleName), { role: String(role.roleName), rules, policies }];
    }),
  );
}

/** The KV v2 data path of every declared secret, by secret name. */
export function kvSecretPaths(run: MockRun): Map<string, string> {
  return new Map(inputsOf(run, "vault:kv/secretV2:SecretV2").map((secret) => [String(secret.name), `${secret.mount}/data/${secret.name}`]));
}

export function canRead(identity: VaultIdentity, path: string): boolean {
  const matching = identity.rules.filter((rule) => pathMatches(rule.path, path));
  return matching.some((rule) => rule.capabilities.includes("read")) && !matching.some((rule) => rule.capabilities.includes("deny"));
}
