/**
 * The CI identities' Vault policies, as HCL, built from names alone so a unit test can state them exactly.
 *
 * The deploy identity may do what the main program declares and nothing else: every object the program owns
 * is named under `blueprint-` (components/vault/names.ts), so the paths below end in `blueprint-*`. It writes
 * no ACL policy and touches nothing under sys/: the mounts and the one policy the services' roles carry
 * (SERVICE_POLICY_NAME, a template that reads the secret named after the role) are declared by this program,
 * and a role may carry that policy only. So a role the deployer creates can never read more than the
 * `blueprint-*` secret of its own name, which the deployer can write anyway. No policy here grants
 * `auth/token/create`: the tokens are batch tokens, which cannot create child tokens (the main program's
 * provider sets `skipChildToken`).
 */
import { SERVICE_POLICY_NAME, VAULT_NAME_PREFIX } from "../components/vault/names";
import { type CiEnvironment, STATE_TRANSIT_MOUNT, stateTransitKey } from "./names";

/** Where the platform's services keep their secrets and log in: the mounts the main program uses. */
export interface PlatformMountPaths {
  kvPath: string;
  approlePath: string;
  kubernetesPath: string;
}

type Capability = "create" | "read" | "update" | "delete" | "list" | "sudo";

interface PathRule {
  path: string;
  capabilities: Capability[];
  /** Parameter name to allowed values (`[]`: any value); `"*"` lets every parameter not named through. */
  allowedParameters?: Record<string, string[]>;
  /** Parameter name to refused values (`[]`: any value). */
  deniedParameters?: Record<string, string[]>;
  /** Why the rule exists, written above it in the policy, for whoever reads the policy in Vault. */
  why: string;
}

const quoted = (values: readonly string[]) => `[${values.map((value) => `"${value}"`).join(", ")}]`;

function parameterBlock(name: string, parameters: Record<string, string[]>): string[] {
  return [`  ${name} = {`, ...Object.entries(parameters).map(([key, values]) => `    "${key}" = ${quoted(values)}`), `  }`];
}

function renderRule(rule: PathRule): string {
  return [
    `# ${rule.why}`,
    `path "${rule.path}" {`,
    `  capabilities = ${quoted(rule.capabilities)}`,
    ...(rule.allowedParameters ? parameterBlock("allowed_parameters", rule.allowedParameters) : []),
    ...(rule.deniedParameters ? parameterBlock("denied_parameters", rule.deniedParameters) : []),
    `}`,
  ].join("\n");
}

const renderPolicy = (rules: PathRule[]) => `${rules.map(renderRule).join("\n\n")}\n`;

/** Encrypt and decrypt with this stack's state key (Pulumi's hashivault secrets provider), no other key. */
function stateKeyRules(stack: string): PathRule[] {
  const key = stateTransitKey(stack);
  return (["encrypt", "decrypt"] as const).map((operation) => ({
    path: `${STATE_TRANSIT_MOUNT}/${operation}/${key}`,
    capabilities: ["update"],
    why: `Pulumi state secrets: ${operation} with this stack's transit key only.`,
  }));
}

// The tokens carry no `default` policy, so even looking themselves up must be granted; the Vault provider does it first.
const LOOKUP_SELF: PathRule = { path: "auth/token/lookup-self", capabilities: ["read"], why: "The Vault provider looks its token up before anything else." };

const PREFIX_GLOB = `${VAULT_NAME_PREFIX}-*`;

/** The policy of `ciRoleName(environment, "deploy")`: what `pulumi up` of the main program declares, nothing under sys/. */
export function deployPolicyDocument(environment: CiEnvironment, mounts: PlatformMountPaths): string {
  const { kvPath: kv, approlePath: approle, kubernetesPath: kubernetes } = mounts;
  return renderPolicy([
    ...stateKeyRules(environment),
    LOOKUP_SELF,
    {
      path: `auth/${approle}/role/${PREFIX_GLOB}`,
      capabilities: ["create", "read", "update", "delete"],
      // token_policies: exactly the services' policy. Vault matches a list element by element but a
      // comma-separated string whole first, then splits it; the denied `*,*` refuses any value with a comma.
      // policies is the deprecated alias of token_policies, which "*" would let through unchecked.
      // token_period and period: no periodic service token (allowed_parameters cannot bound a number).
      allowedParameters: { "*": [], token_policies: [SERVICE_POLICY_NAME] },
      deniedParameters: { policies: [], token_period: [], period: [], token_policies: ["*,*"] },
      why: `The services' AppRole roles, their role_id and secret_ids; a role carries ${SERVICE_POLICY_NAME} only, no periodic token.`,
    },
    {
      path: `auth/${kubernetes}/role/${PREFIX_GLOB}`,
      capabilities: ["create", "read", "update", "delete"],
      // The same bounds as an AppRole role's. A role also names the ServiceAccounts and namespaces it accepts;
      // whatever it names, its tokens read only `blueprint-<ServiceAccount name>` (the services' policy).
      allowedParameters: { "*": [], token_policies: [SERVICE_POLICY_NAME] },
      deniedParameters: { policies: [], token_period: [], period: [], token_policies: ["*,*"] },
      why: `The services' Kubernetes auth roles; a role carries ${SERVICE_POLICY_NAME} only, no periodic token.`,
    },
    {
      path: `auth/${kubernetes}/config`,
      capabilities: ["create", "read", "update"],
      // Where Vault reviews tokens and with which CA. Never a reviewer JWT (a long-lived credential stored in
      // Vault) nor public keys to verify tokens offline (a key the deployer chose would let it mint any
      // ServiceAccount's token). The Vault provider sends `pem_keys` as "" (its empty list joined) on every
      // update, so only that value is allowed; it sends `token_reviewer_jwt` only when one is set. Alias
      // metadata from annotations needs no rule: the plugin refuses an annotation that names a key it sets
      // itself, such as service_account_name, which the services' policy reads.
      allowedParameters: { "*": [], pem_keys: [""] },
      deniedParameters: { token_reviewer_jwt: [] },
      why: "The Kubernetes auth mount's config: the API server that reviews the services' tokens, and its CA.",
    },
    {
      path: `${kv}/data/${PREFIX_GLOB}`,
      capabilities: ["create", "update", "delete"],
      why: "Write the services' secrets; never read them (the program's KV secret sets disableRead).",
    },
    {
      path: `${kv}/metadata/${PREFIX_GLOB}`,
      capabilities: ["delete"],
      why: "Delete every version of a removed service's secret (the program sets deleteAllVersions).",
    },
  ]);
}

/**
 * The state-key rules alone, for any stack name: what both CI policies of its environment grant on the
 * transit engine. The engine e2e gives its stacks' tokens exactly this.
 */
export function stateKeyPolicyDocument(stack: string): string {
  return renderPolicy(stateKeyRules(stack));
}

/** The policy of `ciRoleName(environment, "preview")`: decrypt the state's secrets; previews run without refresh. */
export function previewPolicyDocument(environment: CiEnvironment): string {
  return renderPolicy([...stateKeyRules(environment), LOOKUP_SELF]);
}
