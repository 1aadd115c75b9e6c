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
