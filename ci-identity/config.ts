/**
 * The CI identity stack's config: what differs per Vault (the repository GitHub vouches for, the environment,
 * the platform's KV, AppRole and Kubernetes auth mounts and whether this stack creates them, the issuer Vault
 * trusts).
 * Validated whole before any resource is declared; each problem names its key as `pulumi config` spells it.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
// The AppRole mount's login lockout has one shape and one set of checks for both programs: the main program's.
import { lockoutSchema } from "../components/vault/configSchema";
import { CI_ENVIRONMENTS, GITHUB_OIDC_ISSUER } from "./names";

export const CI_IDENTITY_PROJECT = "production-blueprint-ci-identity";

// The same rule as the main program's mount paths (components/vault/configSchema.ts): a path that goes into
// a policy must not carry a glob, a quote or a slash that would widen or break the grant.
const mountPath = z.string().regex(/^[a-z0-9_-]+$/, "expected a mount path such as secret (lower-case letters, digits, _ and -)");


/**
 * The platform's KV v2 mount, where the services' secrets live: `create: true` declares it in this stack;
 * `create: false` uses the one the operators made by hand. The main program only uses it (its own
 * `vault.kvMount` names the same path with `create: false`).
 */
const platformKvMount = z.strictObject({ path: mountPath, create: z.boolean() });

/**
 * The platform's AppRole auth mount, where the services log in. Created here with its login lockout (Vault
 * counts refused logins per role_id; docs/vault.md, "Login lockout"), which must then be stated; an existing
 * mount keeps the operators' own setting, so a lockout there is refused rather than silently ignored.
 */
const platformApproleMount = z
  .strictObject({ path: mountPath, create: z.boolean(), lockout: lockoutSchema.optional() })
  .superRefine((value, ctx) => {
    if (value.create && value.lockout === undefined) ctx.addIssue({ code: "custom", path: ["lockout"], message: "is required where this stack creates the mount (create: true)" });
    if (!value.create && value.lockout !== undefined) ctx.addIssue({ code: "custom", path: ["lockout"], message: "is applied only to a mount this stack creates (create: true)" });
  });

/**
 * The platform's Kubernetes auth mount, where the services log in with their pods' ServiceAccount tokens:
 * `create: true` declares it here; the main program declares its config (the API server it reviews tokens
 * with) and one role per service, never the mount.
 */
const platformKubernetesMount = z.strictObject({ path: mountPath, create: z.boolean() });

// Owner and name as GitHub allows them; no `*` or `,`, which a glob-typed bound claim would read as syntax.
const repository = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "expected owner/name such as production-blueprint/production-blueprint");

const pem = z.string().regex(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/, "expected one or more PEM certificates");

const oidcSchema = z
  .strictObject({
    // Vault fetches <discoveryUrl>/.well-known/openid-configuration and the JWKS it names.
    discoveryUrl: z.url({ protocol: /^https$/ }).default(GITHUB_OIDC_ISSUER),
    // The `iss` every token must carry; GitHub's equals its discovery URL, so it defaults to it.
    boundIssuer: z.url({ protocol: /^https$/ }).optional(),
    // Only for an issuer behind a private CA (the systems test's); GitHub's is publicly trusted.
    discoveryCaPem: pem.optional(),
  })
  .default({ discoveryUrl: GITHUB_OIDC_ISSUER })
  .transform((value) => ({ ...value, boundIssuer: value.boundIssuer ?? value.discoveryUrl }));

export const ciIdentityConfigSchema = z
  .strictObject({
    environment: z.enum(CI_ENVIRONMENTS),
    github: z.strictObject({
      repository,
      // GitHub's numeric id survives a rename or a transfer of the repository, which its name does not.
      repositoryId: z.number().int().positive(),
    }),
    kvMount: platformKvMount,
    approleMount: platformApproleMount,
    kubernetesMount: platformKubernetesMount,
    oidc: oidcSchema,
    // The JWT auth mount, the transit mount and the services' policy exist once per Vault (the policy's name is
    // a constant every service's role carries). With one Vault per environment (docs/vault.md) every stack
    // declares them; where two stacks share one Vault, the second sets this to false and uses the first
    // stack's objects (declaring them twice would make two stacks fight over one object).
    declareSharedMounts: z.boolean().default(true),
    // Only on the stack that declares the shared objects of a Vault another environment uses too: that
    // environment's KV and AppRole mounts, so the one services' policy lets its services read their secrets
    // as well. The mounts must exist when this stack runs (their accessor is read from Vault).
    otherEnvironmentMounts: z.array(z.strictObject({ kvPath: mountPath, approlePath: mountPath, kubernetesPath: mountPath })).default([]),
  })
  .superRefine((value, ctx) => {
    if (!value.declareSharedMounts && value.otherEnvironmentMounts.length > 0) {
      ctx.addIssue({ code: "custom", path: ["otherEnvironmentMounts"], message: "is set on the stack that declares the Vault's shared objects (declareSharedMounts: true), not this one" });
    }
  });
export type CiIdentityConfig = z.infer<typeof ciIdentityConfigSchema>;

export class CiIdentityConfigError extends Error {
  constructor(stack: string, problems: string[]) {
    super(`Invalid config for stack '${stack}' of ${CI_IDENTITY_PROJECT}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "CiIdentityConfigError";
  }
}

function keyOf(path: ReadonlyArray<PropertyKey>): string {
  return `${CI_IDENTITY_PROJECT}:${path.length === 0 ? "<root>" : path.map(String).join(".")}`;
}

function lookup(values: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined), values);
}

function describeIssue(issue: z.core.$ZodIssue, values: Record<string, unknown>): string {
  if (issue.code === "unrecognized_keys") return `${keyOf(issue.path)}: unknown key(s) ${issue.keys.map((key) => `'${key}'`).join(", ")} (check the spelling)`;
  if ((issue.code === "invalid_type" || issue.code === "invalid_value") && lookup(values, issue.path) === undefined) return `${keyOf(issue.path)}: is required (${issue.message.replace(/, received undefined$/, "")})`;
  return `${keyOf(issue.path)}: ${issue.message}`;
}

/** Validates the stack's config (values by key, without the project prefix); every problem at once. */
export function parseCiIdentityConfig(values: Record<string, unknown>, stack: string): CiIdentityConfig {
  const parsed = ciIdentityConfigSchema.safeParse(values);
  if (!parsed.success) throw new CiIdentityConfigError(stack, parsed.error.issues.map((issue) => describeIssue(issue, values)));
  return parsed.data;
}

/** The stack's config as the engine hands it over; objects, numbers and booleans arrive JSON-encoded. */
export function readCiIdentityConfig(): Record<string, unknown> {
  const prefix = `${CI_IDENTITY_PROJECT}:`;
  const values: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    try {
      values[fullKey.slice(prefix.length)] = JSON.parse(value);
    } catch {
      values[fullKey.slice(prefix.length)] = value;
    }
  }
  return values;
}
