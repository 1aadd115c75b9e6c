import * as pulumi from "@pulumi/pulumi";
import { blueprint } from "../../components/blueprint";
import { type BlueprintConfig, PROJECT, type RawStackConfig, parseConfig, readStackConfig } from "../../components/stackConfig";
import { blueprintMocks, type DeclaredResource, GeneratedSecrets } from "./mocks";
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

// Internal SDK hooks: the monitor (to learn each resource's parent, which the Mocks interface omits) and
// the RPC queue (to know every registration has finished before the resources are read).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- internal SDK module without typings (see above).
const settings = require("@pulumi/pulumi/runtime/settings") as {
  getMonitor(): { registerResource(request: { getParent(): string; getType(): string; getName(): string }, callback: unknown): unknown };
  waitForRPCs(): Promise<void>;
};

function recordParents(parents: Map<string, string>): void {
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    const parentUrn = request.getParent();
    if (parentUrn) parents.set(`${request.getType()}::${request.getName()}`, parentUrn.split("::").slice(-2).join("::").replace(/^.*\$/, ""));
    return register(request, callback);
  };
}

/**
 * Runs the program for one stack under mocks — no engine, no cluster — through the same config path as
 * `index.ts`, and returns every declared resource. Call it once per stack; each call starts afresh.
 */
export async function runBlueprint(stack: string, raw: RawStackConfig = loadStackFile(stack)): Promise<MockRun> {
  const resources: DeclaredResource[] = [];
  const secrets = new GeneratedSecrets();
  pulumi.runtime.setMocks(blueprintMocks(resources, secrets), PROJECT, stack, false);
  const parents = new Map<string, string>();
  recordParents(parents);
  const prefixed = (key: string) => `${PROJECT}:${key}`;
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(raw.values).map(([key, value]) => [prefixed(key), typeof value === "string" ? value : JSON.stringify(value)])),
    [...raw.secretKeys].map(prefixed),
  );
  const config = parseConfig(readStackConfig(), stack);
  const outputs = await resolveOutputs(blueprint(config));
  await settings.waitForRPCs();
  for (const resource of resources) {
    const parent = parents.get(`${resource.type}::${resource.name}`);
    if (parent) resource.parent = parent;
  }
  return { stack, config, resources, outputs, generatedSecrets: secrets.values };
}
