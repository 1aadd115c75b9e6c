import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { rollbackStack } from "../../../scripts/lib/pulumiStack";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";

type Options = Record<string, unknown>;

/** Records the options the rollback hands the Automation API's preview and up. */
function recordingStack(config: Record<string, { value: string; secret: boolean }> = {}) {
  const calls: { op: string; options: Options }[] = [];
  const stack = {
    name: "staging",
    history: async () => [],
    getAllConfig: async () => config,
    setAllConfigJson: async () => undefined,
    removeAllConfig: async () => undefined,
    preview: async (options: Options) => (calls.push({ op: "preview", options }), { stdout: "" }),
    up: async (options: Options) => (calls.push({ op: "up", options }), { summary: { version: 2, result: "succeeded" } }),
  };
  return { stack: stack as unknown as Parameters<typeof rollbackStack>[0], calls };
}

describe("npm run rollback runs the engine as deploy.yml does", () => {
  it("previews and updates with the repository's policy pack and a refresh", async () => {
    const { stack, calls } = recordingStack();
    const rollback = rollbackStack(stack, () => undefined);
    await rollback.preview();
    await rollback.up("rollback to 1");
    for (const { op, options } of calls) {
      assert.deepEqual(options.policyPacks, [path.join(PROJECT_ROOT, "policy")], `${op}: policy pack`);
      assert.equal(options.refresh, true, `${op}: refresh`);
    }
    assert.ok(fs.existsSync(path.join(PROJECT_ROOT, "policy", "PulumiPolicy.yaml")));
  });

  it("does not refresh a stack whose restored config renders to a directory: there is no cluster to read back", async () => {
    const { stack, calls } = recordingStack({ "production-blueprint:kubernetes": { value: JSON.stringify({ renderYamlToDirectory: "rendered/local" }), secret: false } });
    const rollback = rollbackStack(stack, () => undefined);
    await rollback.preview();
    await rollback.up("rollback to 1");
    assert.deepEqual(calls.map(({ op, options }) => `${op}: refresh ${String(options.refresh)}`), ["preview: refresh false", "up: refresh false"]);
  });
});
