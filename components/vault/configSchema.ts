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
const vaultNamespace = z.string().regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, "expected a Vault namespace path such as admin/team-a");

// The fields without the checks across them, so a schema for part of them can be derived (serviceVault.ts).
export const vaultEnabledFields = z
  .strictObject({
    enabled: z.literal(true),
    // Where the pods reach Vault (often an in-cluster name such as https://vault.vault.svc:8200).
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
    tokenTtl: duration.default("1h"),
    tokenMaxTtl: duration.default("4h"),
    secretId: z.strictObject({
      // How long a secret_id stays valid; "0s" would mean forever, which docs/vault.md advises against.
      ttl: duration,
      // 0 = unlimited. Every pod start and every re-login after token_max_ttl spends one use (docs/vault.md).
      numUses: z.number().int().min(0).default(0),
      // Changing this value re-issues every service's secret_id on the next `pulumi up` (docs/vault.md).
      rotation: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "expected a short label such as 2026-11"),
      boundCidrs: z.array(cidr).default([]),
    }),
    tokenBoundCidrs: z.array(cidr).default([]),
  });

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
});
export type VaultEnabledConfig = z.infer<typeof vaultEnabledSchema>;

export const vaultSchema = z
  .discriminatedUnion("enabled", [z.strictObject({ enabled: z.literal(false) }), vaultEnabledSchema])
  .default({ enabled: false });
export type VaultConfig = z.infer<typeof vaultSchema>;
