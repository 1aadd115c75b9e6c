import * as assert from "node:assert/strict";
import { ConfigError, parseConfig, type RawStackConfig } from "../../components/stackConfig";
import { loadStackFile } from "../../scripts/lib/stackFile";
import { type MockRun, runWith } from "./runs";

type Values = Record<string, any>;

/** A deep copy of a committed stack's config with one edit applied (and extra keys marked secret). */
export function edited(stack: string, edit: (values: Values) => void, secretKeys: string[] = []): RawStackConfig {
  const raw = loadStackFile(stack);
  const values = structuredClone(raw.values) as Values;
  edit(values);
  return { values, secretKeys: new Set([...raw.secretKeys, ...secretKeys]) };
}

/** The message of the ConfigError a config must be rejected with; fails when it is accepted. */
export function problemsOf(raw: RawStackConfig, stack: string): string {
  try {
    parseConfig(raw, stack);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail("expected the config to be rejected");
}

/** A run of a committed stack with its `services` edited. */
export function withServices(stack: string, edit: (services: Record<string, Values>) => void): Promise<MockRun> {
  const raw = loadStackFile(stack);
  const services = structuredClone(raw.values.services) as Record<string, Values>;
  edit(services);
  return runWith(stack, { values: { ...raw.values, services }, secretKeys: raw.secretKeys });
}

/**
 * The AppRole login as a stack that keeps it configures it (vault.authMethod: approle): what the committed
 * staging and production stacks did before Kubernetes auth became their default, with the bounds every
 * environment but local requires (a CIDR, a finite TTL, a finite number of uses).
 */
export const APPROLE_SECRET_IDS = {
  staging: { ttl: "336h", numUses: 300, rotation: "2026-W47", boundCidrs: ["10.0.0.0/8"] },
  production: { ttl: "1080h", numUses: 1000, rotation: "2026-11", boundCidrs: ["10.0.0.0/8"] },
} as const;

export function withAppRole(values: Values, stack: "staging" | "production"): void {
  values.vault.authMethod = "approle";
  values.vault.secretId = structuredClone(APPROLE_SECRET_IDS[stack]);
}

/** A committed stack switched to the AppRole login, with one further edit. */
export function appRoleStack(stack: "staging" | "production", edit: (values: Values) => void = () => undefined): RawStackConfig {
  return edited(stack, (values) => {
    withAppRole(values, stack);
    edit(values);
  });
}

/**
 * Kubernetes auth for a Vault that runs outside the cluster, as every test's Vault does: the login's token
 * reviews itself (reviewer client), so Vault needs the API server's CA in config and the tokens the API
 * server's own audience. With reviewer vault, Vault reads the CA of the pod it runs in already when it takes
 * the config, and a Vault outside a pod refuses it ("open /var/run/secrets/kubernetes.io/serviceaccount/ca.crt").
 */
export function withClientReviewer(values: Values, cluster: { host: string; caCert: string; audience: string }): void {
  values.vault.kubernetesAuth = { host: cluster.host, caCert: cluster.caCert, reviewer: "client" };
  values.vault.kubernetesToken = { ...values.vault.kubernetesToken, audience: cluster.audience };
}
