/**
 * The CI identities' Vault policies, as HCL, built from names alone so a unit test can state them exactly.
 *
 * The deploy identity may do what the main program declares and nothing else: every object the program owns
 * is named under `blueprint-` (components/vault/names.ts), so the paths below end in `blueprint-*` or
 * `blueprint/*`. The CI policies themselves are named `ci-pulumi-*`, outside that prefix: no deploy token can
 * rewrite its own policy or another identity's. No policy here grants `auth/token/create`: the tokens are
 * batch tokens, which cannot create child tokens (the main program's provider sets `skipChildToken`).
 */
import { VAULT_NAME_PREFIX } from "../components/vault/names";
import { type CiEnvironment, STATE_TRANSIT_MOUNT, stateTransitKey } from "./names";

/** Where the main program keeps its objects, and whether it creates those mounts itself. */
export interface MainProgramMounts {
  kvMount: { path: string; create: boolean };
  approleMount: { path: string; create: boolean };
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
function stateKeyRules(environment: CiEnvironment): PathRule[] {
  const key = stateTransitKey(environment);
  return (["encrypt", "decrypt"] as const).map((operation) => ({
    path: `${STATE_TRANSIT_MOUNT}/${operation}/${key}`,
    capabilities: ["update"],
    why: `Pulumi state secrets: ${operation} with this stack's transit key only.`,
  }));
}

// The tokens carry no `default` policy, so even looking themselves up must be granted; the Vault provider does it first.
const LOOKUP_SELF: PathRule = { path: "auth/token/lookup-self", capabilities: ["read"], why: "The Vault provider looks its token up before anything else." };

const PREFIX_GLOB = `${VAULT_NAME_PREFIX}-*`;

/** The policy of `ciRoleName(environment, "deploy")`: what `pulumi up` of the main program declares. */
export function deployPolicyDocument(environment: CiEnvironment, mounts: MainProgramMounts): string {
  const kv = mounts.kvMount.path;
  const approle = mounts.approleMount.path;
  const rules: PathRule[] = [
    ...stateKeyRules(environment),
    LOOKUP_SELF,
    {
      path: `sys/policies/acl/${PREFIX_GLOB}`,
      capabilities: ["create", "read", "update", "delete"],
      why: `The services' policies (${VAULT_NAME_PREFIX}-<service>-read); no other policy, the CI policies included.`,
    },
    {
      path: `auth/${approle}/role/${PREFIX_GLOB}`,
      capabilities: ["create", "read", "update", "delete"],
      // Vault matches each element of a list against the globs, but a comma-separated string as a whole
      // first: "blueprint-x,root" would pass `blueprint-*`. The denied `*,*` refuses any value with a comma.
      allowedParameters: { "*": [], token_policies: [PREFIX_GLOB] },
      deniedParameters: { policies: [], token_policies: ["*,*"] },
      why: `The services' AppRole roles, their role_id and secret_ids; a role may carry ${PREFIX_GLOB} policies only (not the deprecated "policies" alias).`,
    },
    {
      path: `${kv}/data/${VAULT_NAME_PREFIX}/*`,
      capabilities: ["create", "update", "delete"],
      why: "Write the services' secrets; never read them (the program's KV secret sets disableRead).",
    },
    {
      path: `${kv}/metadata/${VAULT_NAME_PREFIX}/*`,
      capabilities: ["delete"],
      why: "Delete every version of a removed service's secret (the program sets deleteAllVersions).",
    },
  ];
  if (mounts.kvMount.create) {
    rules.push(
      { path: `sys/mounts/${kv}`, capabilities: ["create", "read", "update", "delete"], why: `This stack's program creates the KV mount '${kv}': that mount and no other.` },
      { path: `sys/mounts/${kv}/tune`, capabilities: ["read", "update"], why: "A change to the KV mount's description or options is a tune." },
    );
  }
  if (mounts.approleMount.create) {
    rules.push(
      {
        path: `sys/auth/${approle}`,
        capabilities: ["create", "read", "update", "delete", "sudo"],
        why: `This stack's program enables the AppRole method at '${approle}': that mount and no other (Vault requires sudo).`,
      },
      { path: `sys/auth/${approle}/tune`, capabilities: ["read", "update", "sudo"], why: "The AppRole mount's login lockout (Vault requires sudo)." },
    );
  }
  return renderPolicy(rules);
}

/** The policy of `ciRoleName(environment, "preview")`: decrypt the state's secrets; previews run without refresh. */
export function previewPolicyDocument(environment: CiEnvironment): string {
  return renderPolicy([...stateKeyRules(environment), LOOKUP_SELF]);
}
