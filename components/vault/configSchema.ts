import { z } from "zod";
import { cidr } from "../configPrimitives";
import { DURATION_PATTERN, durationSeconds } from "./policy";

const duration = z.string().regex(DURATION_PATTERN, "expected a duration such as 24h or 30m");

const port = z.number().int().min(1).max(65535).default(8200);

// Where the pods reach Vault: an in-cluster Vault by pod selector, or an external one by CIDR.
const vaultNetworkSchema = z.union([
  z.strictObject({ namespace: z.string().min(1), podLabels: z.record(z.string(), z.string()), port }),
  z.strictObject({ cidr, port }),
]);
export type VaultNetworkConfig = z.infer<typeof vaultNetworkSchema>;

const mountPath = (fallback: string) => z.string().regex(/^[a-z0-9_-]+$/, "expected a mount path such as secret").default(fallback);

const mountSchema = (fallback: string) =>
  z.strictObject({ path: mountPath(fallback), create: z.boolean().default(false) }).default({ path: fallback, create: false });

/**
 * Vault's user lockout on the AppRole mount (sys/auth/<mount>/tune, user_lockout_config). Vault counts refused
 * logins per role_id, for every replica of a service together, and then refuses even a valid secret_id
 * (docs/vault.md, "Login lockout"). Applied only to a mount this stack creates; an existing mount keeps its
 * operators' setting.
 */
export const lockoutSchema = z.union([
  z.strictObject({ disable: z.literal(true) }),
  z.strictObject({ threshold: z.number().int().min(1), duration, counterReset: duration }),
]);
export type VaultLockoutConfig = z.infer<typeof lockoutSchema>;

// Vault's own defaults, stated so the lockout is a choice someone made rather than an accident.
const VAULT_DEFAULT_LOCKOUT = { threshold: 5, duration: "15m", counterReset: "15m" } as const;

const approleMountSchema = z
  .strictObject({ path: mountPath("approle"), create: z.boolean().default(false), lockout: lockoutSchema.optional() })
  .default({ path: "approle", create: false })
  .superRefine((value, ctx) => {
    if (value.lockout !== undefined && !value.create) {
      ctx.addIssue({ code: "custom", path: ["lockout"], message: "is applied only to a mount this stack creates (create: true); tune an existing mount with the command in docs/vault.md" });
    }
  })
  .transform((value) => ({ ...value, lockout: value.lockout ?? (value.create ? VAULT_DEFAULT_LOCKOUT : undefined) }));

// A PEM certificate, public by nature: it is config, not a secret.
const caCert = z.string().regex(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/, "expected one or more PEM certificates");

// A Vault Enterprise / HCP namespace path such as admin/team-a.
// eslint-disable-next-line security/detect-unsafe-regex -- each repetition starts with '/', which the segment's class excludes: one way to split, linear time
const vaultNamespace = z.string().regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, "expected a Vault namespace path such as admin/team-a");

/** How a service logs in to Vault (docs/vault.md, "Choosing a login"). */
export const VAULT_AUTH_METHODS = ["kubernetes", "approle"] as const;
export type VaultAuthMethod = (typeof VAULT_AUTH_METHODS)[number];

/**
 * Who asks the API server whether a service's token is genuine (TokenReview) when it logs in:
 * - `vault`: Vault itself, with its own pod's ServiceAccount token, which the kubelet rotates and Vault
 *   rereads; for a Vault that runs in the cluster, whose ServiceAccount the operators bind to
 *   `system:auth-delegator` (Vault's Helm chart does). Nothing about the review is stored anywhere.
 * - `client`: the login's own token reviews itself, for a Vault outside the cluster that has no token of its
 *   own. The API server accepts a token only for its own audiences, so the services' tokens must carry one
 *   (`kubernetesToken.audience`), and each service's ServiceAccount is bound to `system:auth-delegator`.
 */
export const KUBERNETES_REVIEWERS = ["vault", "client"] as const;
export type KubernetesReviewer = (typeof KUBERNETES_REVIEWERS)[number];

/**
 * The Kubernetes auth mount's config, which the program declares (`auth/<mount>/config`): where Vault
 * reaches the API server for TokenReview and the CA that signs the API server's certificate.
 */
const kubernetesAuthSchema = z
  .strictObject({
    // In the cluster the API server is https://kubernetes.default.svc for every pod, Vault's included.
    host: z.url({ protocol: /^https$/, error: "expected the API server's https:// URL as Vault reaches it, such as https://kubernetes.default.svc" }),
    // Unset with reviewer `vault`: Vault reads the CA its own pod is given, as it reads its token.
    caCert: caCert.optional(),
    reviewer: z.enum(KUBERNETES_REVIEWERS).default("vault"),
  })
  .superRefine((value, ctx) => {
    if (value.reviewer === "client" && value.caCert === undefined) {
      ctx.addIssue({ code: "custom", path: ["caCert"], message: "is required with reviewer: client: a Vault outside the cluster has no CA file of the cluster's to fall back on" });
    }
  });

/** The API server's floor for a projected token's lifetime (TokenRequest refuses less). */
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
/** The default audience of the services' projected tokens; only Vault's roles accept it. */
export const DEFAULT_TOKEN_AUDIENCE = "vault";

/**
 * The projected ServiceAccount token a service logs in with. The kubelet replaces the file once 80% of its
 * lifetime has passed, so a short lifetime bounds what a copied token is worth; the service rereads the
 * file at every login.
 */
const kubernetesTokenSchema = z
  .strictObject({
    audience: z.string().regex(/^[^\s,*]+$/, "expected one audience such as vault (no space, comma or *)").default(DEFAULT_TOKEN_AUDIENCE),
    expirationSeconds: z.number().int().min(MIN_TOKEN_EXPIRATION_SECONDS).max(24 * 3600).default(MIN_TOKEN_EXPIRATION_SECONDS),
  })
  .default({ audience: DEFAULT_TOKEN_AUDIENCE, expirationSeconds: MIN_TOKEN_EXPIRATION_SECONDS });

/** The AppRole secret_id, only with `authMethod: approle`. */
const secretIdSchema = z.strictObject({
  // How long a secret_id stays valid; "0s" would mean forever, which is refused outside local (vaultEnvironmentIssues).
  ttl: duration,
  // 0 = unlimited, refused outside local. Every pod start and every re-login after token_max_ttl spends one use.
  numUses: z.number().int().min(0).default(0),
  // Changing this value re-issues every service's secret_id on the next `pulumi up` (docs/vault.md).
  rotation: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "expected a short label such as 2026-11"),
  // Where a secret_id may log in from: required outside local (vaultEnvironmentIssues).
  boundCidrs: z.array(cidr).default([]),
});
export type SecretIdConfig = z.infer<typeof secretIdSchema>;

// The fields without the checks across them, so a schema for part of them can be derived (serviceVault.ts).
export const vaultEnabledFields = z
  .strictObject({
    enabled: z.literal(true),
    // Where the pods reach Vault (often an in-cluster name such as https://vault.vault.svc:8200).
    // http:// is refused outside the local stack (vaultEnvironmentIssues).
    address: z.url({ protocol: /^https?$/ }),
    // Where Pulumi's Vault provider reaches it: from CI or a laptop, so a name outside the cluster. Unset, the
    // deployer uses `address` (right only when the deployer itself runs in the cluster).
    deployerAddress: z.url({ protocol: /^https?$/ }).optional(),
    // The CA that signs Vault's listener certificate, mounted into every pod: no public CA signs a
    // cluster-internal name such as vault.vault.svc.cluster.local.
    caCert: caCert.optional(),
    // Vault Enterprise / HCP only: the provider and every service work inside this namespace.
    namespace: vaultNamespace.optional(),
    network: vaultNetworkSchema,
    // create: false uses a mount someone else manages; create: true declares it in this stack.
    kvMount: mountSchema("secret"),
    approleMount: approleMountSchema,
    kubernetesMount: mountSchema("kubernetes"),
    authMethod: z.enum(VAULT_AUTH_METHODS).default("kubernetes"),
    // Required with authMethod: kubernetes on the platform's stack (a consumer uses the platform's).
    kubernetesAuth: kubernetesAuthSchema.optional(),
    kubernetesToken: kubernetesTokenSchema,
    tokenTtl: duration.default("1h"),
    tokenMaxTtl: duration.default("4h"),
    secretId: secretIdSchema.optional(),
    tokenBoundCidrs: z.array(cidr).default([]),
  });

/** What the login method needs and what it cannot use, checked for the platform and for a consumer alike. */
export function checkAuthMethod(value: { authMethod: VaultAuthMethod; secretId?: unknown }, ctx: z.RefinementCtx): void {
  if (value.authMethod === "approle" && value.secretId === undefined) {
    ctx.addIssue({ code: "custom", path: ["secretId"], message: "is required with authMethod: approle (the secret_id's ttl, numUses, rotation and boundCidrs)" });
  }
  if (value.authMethod === "kubernetes" && value.secretId !== undefined) {
    ctx.addIssue({ code: "custom", path: ["secretId"], message: "is read only with authMethod: approle; with kubernetes no secret_id exists: drop it" });
  }
}

export function checkTokenTtls(value: { tokenTtl: string; tokenMaxTtl: string }, ctx: z.RefinementCtx): void {
  if (durationSeconds(value.tokenTtl) > durationSeconds(value.tokenMaxTtl)) {
    ctx.addIssue({ code: "custom", path: ["tokenTtl"], message: `${value.tokenTtl} is longer than tokenMaxTtl ${value.tokenMaxTtl}` });
  }
}

export const vaultEnabledSchema = vaultEnabledFields.superRefine((value, ctx) => {
  if (value.caCert !== undefined && value.address.startsWith("http://")) {
    ctx.addIssue({ code: "custom", path: ["caCert"], message: "is set but the address is http://: use https:// or drop caCert" });
  }
  checkTokenTtls(value, ctx);
  checkAuthMethod(value, ctx);
  if (value.authMethod === "kubernetes" && value.kubernetesAuth === undefined) {
    ctx.addIssue({ code: "custom", path: ["kubernetesAuth"], message: "is required with authMethod: kubernetes: the API server's host and CA as Vault reaches it (docs/vault.md)" });
  }
  if (value.kubernetesAuth?.reviewer === "client" && value.kubernetesToken.audience === DEFAULT_TOKEN_AUDIENCE) {
    ctx.addIssue({
      code: "custom",
      path: ["kubernetesToken", "audience"],
      message: `with kubernetesAuth.reviewer: client the token reviews itself, so its audience must be one the API server accepts (its --api-audiences, usually its issuer), not '${DEFAULT_TOKEN_AUDIENCE}'`,
    });
  }
});

/** Longest a secret_id may live outside the local stack: past it, a leaked one has been worth too much for too long. */
export const MAX_SECRET_ID_TTL = "2160h";

/**
 * The rules that depend on the environment, for the platform's stack config and a consumer's service alike:
 * outside `local`, Vault is reached over TLS only, and an AppRole secret_id is bound to where it may log in
 * from, expires, and wears out. Each problem names its key under `vault.`.
 */
export function vaultEnvironmentIssues(environment: string, value: { address?: string; deployerAddress?: string; authMethod: VaultAuthMethod; secretId?: SecretIdConfig }): { key: string; message: string }[] {
  if (environment === "local") return [];
  const issues: { key: string; message: string }[] = [];
  for (const key of ["address", "deployerAddress"] as const) {
    const address = value[key];
    if (address?.startsWith("http://")) issues.push({ key, message: `${address} is plain http: outside the local stack Vault tokens and secrets travel over https:// only` });
  }
  const secretId = value.secretId;
  if (value.authMethod !== "approle" || secretId === undefined) return issues;
  if (secretId.boundCidrs.length === 0) {
    issues.push({ key: "secretId.boundCidrs", message: `is required in ${environment}: the pods' CIDR as Vault sees it, so a copied secret_id cannot log in from anywhere else` });
  }
  const ttl = durationSeconds(secretId.ttl);
  if (ttl === 0 || ttl > durationSeconds(MAX_SECRET_ID_TTL)) {
    issues.push({ key: "secretId.ttl", message: `${secretId.ttl}: in ${environment} a secret_id must expire, within ${MAX_SECRET_ID_TTL} (rotate before it does: docs/vault.md)` });
  }
  if (secretId.numUses === 0) {
    issues.push({ key: "secretId.numUses", message: `0 (unlimited) is refused in ${environment}: bound the logins a secret_id allows (replicas × ttl ÷ tokenMaxTtl, plus restarts: docs/vault.md)` });
  }
  return issues;
}
export type VaultEnabledConfig = z.infer<typeof vaultEnabledSchema>;

export const vaultSchema = z
  .discriminatedUnion("enabled", [z.strictObject({ enabled: z.literal(false) }), vaultEnabledSchema])
  .default({ enabled: false });
export type VaultConfig = z.infer<typeof vaultSchema>;
