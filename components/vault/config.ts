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

const mountSchema = (fallback: string) =>
  z
    .strictObject({ path: z.string().regex(/^[a-z0-9_-]+$/, "expected a mount path such as secret").default(fallback), create: z.boolean().default(false) })
    .default({ path: fallback, create: false });

export const vaultEnabledSchema = z
  .strictObject({
    enabled: z.literal(true),
    // Where the pods reach Vault (often an in-cluster name such as https://vault.vault.svc:8200).
    address: z.url({ protocol: /^https?$/ }),
    // Where Pulumi's Vault provider reaches it: from CI or a laptop, so a name outside the cluster. Unset, the
    // deployer uses `address` (right only when the deployer itself runs in the cluster).
    deployerAddress: z.url({ protocol: /^https?$/ }).optional(),
    network: vaultNetworkSchema,
    // create: false uses a mount someone else manages; create: true declares it in this stack.
    kvMount: mountSchema("secret"),
    approleMount: mountSchema("approle"),
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
  })
  .superRefine((value, ctx) => {
    if (durationSeconds(value.tokenTtl) > durationSeconds(value.tokenMaxTtl)) {
      ctx.addIssue({ code: "custom", path: ["tokenTtl"], message: `${value.tokenTtl} is longer than tokenMaxTtl ${value.tokenMaxTtl}` });
    }
  });
export type VaultEnabledConfig = z.infer<typeof vaultEnabledSchema>;

export const vaultSchema = z
  .discriminatedUnion("enabled", [z.strictObject({ enabled: z.literal(false) }), vaultEnabledSchema])
  .default({ enabled: false });
export type VaultConfig = z.infer<typeof vaultSchema>;
