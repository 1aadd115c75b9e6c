import * as path from "node:path";
import { parseArgs } from "node:util";
import { writeRender } from "./lib/manifests";
import { runBlueprint } from "./lib/mockRun";
import { PROJECT_ROOT } from "./lib/stackFile";

const USAGE = "usage: npm run render -- --stack <name> [--out <dir>]";

/** Offline render: runs the program under mocks with the stack's config file; no Pulumi CLI, no cluster. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { stack: { type: "string" }, out: { type: "string" } } });
  if (!values.stack) throw new Error(`--stack is required\n${USAGE}`);
  const outDir = path.resolve(values.out ?? path.join(PROJECT_ROOT, "rendered", "offline", values.stack));
  const run = await runBlueprint(values.stack);
  const counts = writeRender(run.resources, outDir);
  console.log(`offline render of stack '${values.stack}': ${counts.objects} Kubernetes objects (${counts.resources} resources declared) written to ${outDir}`);
}

main().catch((error: Error) => {
  console.error(`render failed: ${error.message}`);
  process.exit(1);
});
