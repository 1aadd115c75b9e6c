import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { kubernetesObjects } from "./lib/manifests";
import { runBlueprint } from "./lib/mockRun";
import { footprint, footprintMarkdown } from "./lib/sizing";
import { PROJECT_ROOT } from "./lib/stackFile";

export const SIZING_STACKS = ["staging", "production"] as const;
export const SIZING_DOC = path.join(PROJECT_ROOT, "docs", "sizing.md");

/** Writes docs/sizing.md: per-environment requests and limits of every workload, from the offline render. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  const footprints = [];
  for (const stack of SIZING_STACKS) {
    const run = await runBlueprint(stack);
    footprints.push(footprint(run.config.environment, kubernetesObjects(run.resources)));
  }
  const out = path.resolve(values.out ?? SIZING_DOC);
  fs.writeFileSync(out, `${footprintMarkdown(footprints)}\n`);
  for (const entry of footprints) {
    console.log(`${entry.environment}: requests ${entry.total.cpuRequest.toFixed(2)} vCPU / ${(entry.total.memoryRequest / 2 ** 30).toFixed(2)} GiB, limits ${entry.total.cpuLimit.toFixed(2)} vCPU / ${(entry.total.memoryLimit / 2 ** 30).toFixed(2)} GiB`);
  }
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`sizing failed: ${error.message}`);
    process.exit(1);
  });
}
