import { z } from "zod";
import { cidr } from "../configPrimitives";

// Go-style durations as Vault accepts them ("24h", "30m", "720h").
const duration = z.string().regex(/^([0-9]+(h|m|s))+$/, "expected a duration such as 24h or 30m");

// Where the pods reach Vault: an in-cluster Vault by pod selector, or an external one by CIDR.
const vaultNetworkSchema = z.union([
  z.strictObject({
    namespace: z.string().min(1),
    podLabels: z.record(z.string(), z.string()),
    port: z.number().int().min(1).max(65535).default(8200),
  }),
  z.strictObject({ cidr, port: z.number().int().min(1).max(65535).default(8200) }),
]);
export type VaultNetworkConfig = z.infer<typeof vaultNetworkSchema>;

export const vaultEnabledSchema = z.strictObject({
  enabled: z.literal(true),
  address: z.url({ protocol: /^https?$/ }),
  network: vaultNetworkSchema,
  kvMount: z.strictObject({ path: z.string().regex(/^[a-z0-9_-]+$/).default("secret"), create: z.boolean().default(false) }).default({ path: "secret", create: false }),
  approleMount: z.strictObject({ path: z.string().regex(/^[a-z0-9_-]+$/).default("approle"), create: z.boolean().default(false) }).default({ path: "approle", create: false }),
  tokenTtl: duration.default("1h"),
  tokenMaxTtl: duration.default("4h"),
  secretId: z.strictObject({
    ttl: duration,
    numUses: z.number().int().min(0).default(0),
    // Changing this value re-issues every service's secret_id on the next `pulumi up` (docs/vault.md).
    rotation: z.string().min(1),
    boundCidrs: z.array(cidr).default([]),
  }),
  tokenBoundCidrs: z.array(cidr).default([]),
});
export type VaultEnabledConfig = z.infer<typeof vaultEnabledSchema>;

export const vaultSchema = z
  .discriminatedUnion("enabled", [z.strictObject({ enabled: z.literal(false) }), vaultEnabledSchema])
  .default({ enabled: false });
export type VaultConfig = z.infer<typeof vaultSchema>;
