import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { configSchema, ENVIRONMENTS, serviceSchema } from "./configSchema";
import { reservedNamespaceReason } from "./reservedNamespaces";
import { APPROLE_CREDENTIALS, KUBERNETES_CREDENTIALS, VAULT_CREDENTIALS } from "./service/workloadSchema";
import { type VaultAuthMethod, vaultEnvironmentIssues } from "./vault/configSchema";
import { OBJECTIVE_KINDS, prometheusDurationDays, type ObjectivesConfig } from "./objectives";

export const PROJECT = "production-blueprint";

/** Config keys that hold credentials. They must be set with `pulumi config set --secret`. */
const SECRET_KEYS = ["vaultToken"] as const;

/**
 * Keys this program no longer reads, with what to do instead. `databaseUrls` was delivered to the service's
 * Vault secret but the service has no database (its store is in memory), so it was never used, and with
 * Vault off it was silently dropped. Refusing it says so rather than storing a credential for nothing.
 */
const REMOVED_KEYS: Record<string, string> = {
  databaseUrls:
    "is no longer supported: the service has no database, so the URL was stored in Vault and never used. Remove it (`pulumi config rm databaseUrls`); a service that needs a database reads its credentials from its own Vault path",
};

/** The stack's config as the engine hands it over: values by key (without the project prefix). */
export interface RawStackConfig {
  values: Record<string, unknown>;
  secretKeys: ReadonlySet<string>;
}

export type BlueprintConfig = z.infer<typeof configSchema> & {
  stack: string;
  secrets: {
    vaultToken?: pulumi.Output<string>;
  };
};

export class ConfigError extends Error {
  /** `subject` is the stack's name, or for one service entry (`parseServiceConfig`) a description of it. */
  constructor(subject: string, problems: string[], kind: "stack" | "service" = "stack") {
    super(`Invalid config for ${kind === "stack" ? `stack '${subject}'` : subject}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function keyOf(path: ReadonlyArray<PropertyKey>): string {
  const [top, ...rest] = path.map(String);
  return `${PROJECT}:${top ?? "<root>"}${rest.length ? `.${rest.join(".")}` : ""}`;
}

/**
 * A value that may be one of several shapes (`false` or an objective, say) fails as a whole with zod's bare
 * "Invalid input". When exactly one shape got past its first check, that shape was meant: its own issues,
 * under the union's path, name the real problem (a misspelt key, a value out of range).
 */
function unwrapUnions(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union") return [issue];
  const wrongShape = (issues: z.core.$ZodIssue[]) => issues.every((inner) => inner.path.length === 0 && (inner.code === "invalid_value" || inner.code === "invalid_type"));
  const meant = issue.errors.filter((issues) => !wrongShape(issues));
  if (meant.length !== 1) return [issue];
  return meant[0].flatMap((inner) => unwrapUnions({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue));
}

function describeIssue(issue: z.core.$ZodIssue, values: Record<string, unknown>): string {
  if (issue.code === "unrecognized_keys") {
    return `${keyOf(issue.path)}: unknown key(s) ${issue.keys.map((key) => `'${key}'`).join(", ")} (check the spelling)`;
  }
  if (issue.code === "invalid_key") {
    return `${keyOf(issue.path)}: ${issue.issues.map((inner) => inner.message).join("; ")}`;
  }
  const isMissing = issue.code === "invalid_type" && lookup(values, issue.path) === undefined;
  return `${keyOf(issue.path)}: ${isMissing ? `is required (${issue.message.replace(/, received undefined$/, "")})` : issue.message}`;
}

function lookup(values: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined), values);
}

/** The environment is the stack name for the standard stacks; any other stack must say which it is. */
function withEnvironment(values: Record<string, unknown>, stack: string): Record<string, unknown> {
  if (values.environment !== undefined || !(ENVIRONMENTS as readonly string[]).includes(stack)) return values;
  return { ...values, environment: stack };
}

function readSecrets(raw: RawStackConfig, problems: string[]): BlueprintConfig["secrets"] {
  for (const key of SECRET_KEYS) {
    if (raw.values[key] !== undefined && !raw.secretKeys.has(key)) {
      problems.push(`${PROJECT}:${key}: holds a credential and must be set with 'pulumi config set --secret ${key} …'`);
    }
  }
  const vaultToken = raw.values.vaultToken;
  if (vaultToken !== undefined && (typeof vaultToken !== "string" || vaultToken.length === 0)) {
    problems.push(`${PROJECT}:vaultToken: expected a non-empty string`);
  }
  return typeof vaultToken === "string" && vaultToken ? { vaultToken: pulumi.secret(vaultToken) } : {};
}

/**
 * Validates the whole stack config before any resource is declared. Every problem is reported at once,
 * each naming the key, in one error that also names the stack.
 */
export function parseConfig(raw: RawStackConfig, stack: string): BlueprintConfig {
  const problems: string[] = [];
  const { vaultToken: _token, ...rest } = withEnvironment(raw.values, stack);
  const plain = Object.fromEntries(Object.entries(rest).filter(([key]) => !(key in REMOVED_KEYS)));
  for (const key of Object.keys(rest).filter((key) => key in REMOVED_KEYS)) problems.push(`${PROJECT}:${key}: ${REMOVED_KEYS[key]}`);
  if (plain.environment === undefined) {
    problems.push(`${PROJECT}:environment: is required for stack '${stack}' (expected one of ${ENVIRONMENTS.join(", ")})`);
  }
  const secrets = readSecrets(raw, problems);
  const parsed = configSchema.safeParse(plain);
  if (!parsed.success) {
    problems.push(
      ...parsed.error.issues
        .filter((issue) => !(issue.path[0] === "environment" && plain.environment === undefined))
        .flatMap(unwrapUnions)
        .map((issue) => describeIssue(issue, plain)),
    );
  }
  if (parsed.success) problems.push(...crossChecks(parsed.data));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(stack, problems);
  return { ...parsed.data, stack, secrets };
}

/**
 * One service entry checked as the stack's `services.<name>` would be, for a project that declares its
 * services in code (docs/library.md): every problem at once, each naming the service and the key.
 */
export function parseServiceConfig(name: string, value: unknown): z.infer<typeof serviceSchema> {
  const parsed = serviceSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const values = { services: { [name]: value } };
  const problems = parsed.error.issues.flatMap(unwrapUnions).map((issue) => describeIssue({ ...issue, path: ["services", name, ...issue.path] } as z.core.$ZodIssue, values));
  throw new ConfigError(`service '${name}'`, problems, "service");
}

/** Rules that span several keys. */
function crossChecks(config: z.infer<typeof configSchema>): string[] {
  const problems: string[] = [];
  const names = Object.keys(config.services);
  for (const [name, service] of Object.entries(config.services)) {
    const reserved = service.namespace === undefined ? undefined : reservedNamespaceReason(service.namespace, config);
    if (reserved !== undefined) problems.push(`${PROJECT}:services.${name}.namespace: ${reserved}`);
    problems.push(...credentialChecks(name, service.env, config.vault));
    for (const caller of service.allowFrom) {
      if (!names.includes(caller)) problems.push(`${PROJECT}:services.${name}.allowFrom: '${caller}' is not a declared service`);
    }
    if (config.environment === "production" && service.docs) {
      problems.push(`${PROJECT}:services.${name}.docs: the API docs stay off in production (the service never serves /docs there)`);
    }
    if (config.environment === "production" && service.replicas.min < 2) {
      problems.push(`${PROJECT}:services.${name}.replicas.min: production needs at least 2 replicas, got ${service.replicas.min}`);
    }
  }
  problems.push(...objectiveChecks(config));
  if (config.environment === "production" && config.observability.alertmanager.replicas < 2) {
    problems.push(`${PROJECT}:observability.alertmanager.replicas: production needs at least 2 replicas, so a lost node does not silence every page`);
  }
  if (config.vault.enabled) {
    for (const issue of vaultEnvironmentIssues(config.environment, config.vault)) problems.push(`${PROJECT}:vault.${issue.key}: ${issue.message}`);
  }
  if (config.environment === "local" && !config.kubernetes.renderYamlToDirectory) {
    problems.push(`${PROJECT}:kubernetes.renderYamlToDirectory: is required for the local stack, which never touches a cluster`);
  }
  if (config.kubernetes.renderYamlToDirectory && config.kubernetes.kubeconfig) {
    problems.push(`${PROJECT}:kubernetes: renderYamlToDirectory and kubeconfig exclude each other (render to files, or deploy to a cluster)`);
  }
  if (config.environment !== "local" && config.kubernetes.renderYamlToDirectory) {
    problems.push(`${PROJECT}:kubernetes.renderYamlToDirectory: only the local stack renders to a directory; '${config.environment}' deploys to a cluster`);
  }
  return problems;
}

/** Which login a credential belongs to, if only one delivers it. */
function loginMethodOf(credential: string): VaultAuthMethod | undefined {
  if ((APPROLE_CREDENTIALS as readonly string[]).includes(credential)) return "approle";
  if ((KUBERNETES_CREDENTIALS as readonly string[]).includes(credential)) return "kubernetes";
  return undefined;
}

/**
 * An env entry may name only a credential this stack delivers: with Vault on, those of its `vault.authMethod`
 * (and the address, KV path and CA every login shares); without, the API key's.
 */
function credentialChecks(name: string, env: z.infer<typeof configSchema>["services"][string]["env"], vault: z.infer<typeof configSchema>["vault"]): string[] {
  return Object.entries(env).flatMap(([key, value]) => {
    if (typeof value === "string") return [];
    const onlyWithVault = (VAULT_CREDENTIALS as readonly string[]).includes(value.credential);
    if (onlyWithVault && !vault.enabled) return [`${PROJECT}:services.${name}.env.${key}: the credential '${value.credential}' exists only with vault.enabled: true`];
    if (!onlyWithVault && vault.enabled) return [`${PROJECT}:services.${name}.env.${key}: the credential '${value.credential}' exists only with vault.enabled: false (with Vault on, the service logs in to Vault: docs/vault.md)`];
    if (value.credential === "vaultCaFile" && vault.enabled && vault.caCert === undefined) return [`${PROJECT}:services.${name}.env.${key}: the credential 'vaultCaFile' exists only when vault.caCert is set`];
    const method = loginMethodOf(value.credential);
    if (vault.enabled && method !== undefined && method !== vault.authMethod) return [`${PROJECT}:services.${name}.env.${key}: the credential '${value.credential}' exists only with vault.authMethod: ${method} (this stack's is ${vault.authMethod})`];
    return [];
  });
}

/**
 * An objective's window must fit in what Prometheus keeps: the error budget is counted over the whole window,
 * and over a shorter retention it would silently be counted over less.
 */
function objectiveChecks(config: z.infer<typeof configSchema>): string[] {
  if (!config.observability.enabled) return [];
  const retention = config.observability.prometheus.retention;
  const retentionDays = prometheusDurationDays(retention);
  const tooLong = (objectives: ObjectivesConfig | undefined, key: string) =>
    OBJECTIVE_KINDS.flatMap((kind) => {
      const objective = objectives?.[kind];
      if (objective === undefined || objective === false || objective.window <= retentionDays) return [];
      return [
        `${PROJECT}:${key}.${kind}.window: ${objective.window}d is longer than observability.prometheus.retention (${retention}): Prometheus must keep the whole window to count its error budget; shorten the window or raise the retention`,
      ];
    });
  return [...tooLong(config.objectives, "objectives"), ...Object.entries(config.services).flatMap(([name, service]) => tooLong(service.objectives, `services.${name}.objectives`))];
}

// The SDK exports isConfigSecret at runtime but leaves it out of its typings; it is how the engine's
// secret markers (including nested `secure:` leaves) are known without decrypting twice.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an untyped runtime module (see above).
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** Reads the running stack's config through the Pulumi runtime. */
export function readStackConfig(): RawStackConfig {
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  const prefix = `${PROJECT}:`;
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    values[key] = parseConfigValue(value);
    if (runtimeConfig.isConfigSecret(fullKey)) secretKeys.add(key);
  }
  return { values, secretKeys };
}

// The engine hands every value over as a string; objects, numbers and booleans arrive JSON-encoded.
function parseConfigValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
