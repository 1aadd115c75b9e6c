import { blueprint } from "../../components/blueprint";
import { type BlueprintConfig, PROJECT, type RawStackConfig, parseConfig, readStackConfig } from "../../components/stackConfig";
import type { DeclaredResource } from "./mocks";
import { runUnderMocks } from "./mockProgram";
import { resolveOutputs } from "./secrets";
import { loadStackFile } from "./stackFile";

export interface MockRun {
  stack: string;
  config: BlueprintConfig;
  resources: DeclaredResource[];
  /** Stack outputs as `pulumi stack output` would show them (secrets as placeholders). */
  outputs: unknown;
  /** Every secret value the mocked providers generated during the run. */
  generatedSecrets: string[];
}

/**
 * Runs the program for one stack under mocks — no engine, no cluster — through the same config path as
 * `index.ts`, and returns every declared resource. Call it once per stack; each call starts afresh.
 */
export async function runBlueprint(stack: string, raw: RawStackConfig = loadStackFile(stack)): Promise<MockRun> {
  const run = await runUnderMocks({
    project: PROJECT,
    stack,
    values: raw.values,
    secretKeys: raw.secretKeys,
    program: async () => {
      const config = parseConfig(readStackConfig(), stack);
      return { config, outputs: await resolveOutputs(blueprint(config)) };
    },
  });
  return { stack, config: run.result.config, resources: run.resources, outputs: run.result.outputs, generatedSecrets: run.generatedSecrets };
}
