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

// Any accessor will do: the template is resolved here as Vault resolves it for a login on that mount.
const MODEL_ACCESSOR = "auth_approle_0";

/**
 * The operators' services policy (ci-identity/ declares it, not the program) as Vault resolves it for the
 * tokens of one AppRole role: AppRole logins carry the role's name in their alias metadata, which the
 * template names. test/systems/ci-identity.systems.ts shows the real Vault resolving it the same way.
 */
function servicePolicyFor(kvMount: string, roleName: string): string {
  return servicePolicyTemplate(kvMount, MODEL_ACCESSOR).replaceAll(`{{identity.entity.aliases.${MODEL_ACCESSOR}.metadata.role_name}}`, roleName);
}

/** Each AppRole and what its tokens may do, from the declared Policy and AuthBackendRole resources and the operators' services policy. */
export function vaultIdentities(run: MockRun): Map<string, VaultIdentity> {
  const declared = new Map(inputsOf(run, "vault:index/policy:Policy").map((policy) => [String(policy.name), String(policy.policy)]));
  const kvMount = run.config.vault.enabled ? run.config.vault.kvMount.path : undefined;
  return new Map(
    inputsOf(run, "vault:appRole/authBackendRole:AuthBackendRole").map((role) => {
      const documents = new Map(declared);
      if (kvMount !== undefined && !documents.has(SERVICE_POLICY_NAME)) documents.set(SERVICE_POLICY_NAME, servicePolicyFor(kvMount, String(role.roleName)));
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
