import * as path from "node:path";
import { RenderRefused, renderTargetProblem, writeRender } from "./lib/manifests";
import { runBlueprint } from "./lib/mockRun";
import { PROJECT_ROOT } from "./lib/stackFile";
import { commandLine, defineCommand } from "./lib/usage";

export const RENDER_COMMAND = defineCommand({
  command: "npm run render --",
  summary:
    "Renders one stack offline (the program under mocks; no Pulumi CLI, no cluster): one YAML file per Kubernetes object, resources.json and a .blueprint-render marker. An earlier render in DIR is replaced only once the new one is complete; any other non-empty directory is refused.",
  doc: "docs/architecture.md",
  options: {
    stack: { type: "string", value: "NAME", required: true, help: "the stack to render, from Pulumi.NAME.yaml" },
    out: { type: "string", value: "DIR", help: "a new or empty directory, or an earlier render (default rendered/offline/NAME)" },
  },
});

/** Offline render: runs the program under mocks with the stack's config file; no Pulumi CLI, no cluster. */
async function main(): Promise<void> {
  const { values } = commandLine(RENDER_COMMAND);
  const stack = values.stack as string;
  const outDir = path.resolve(values.out ?? path.join(PROJECT_ROOT, "rendered", "offline", stack));
  // Checked before the render runs, so a refusal comes at once; writeRender checks again before it writes.
  const problem = renderTargetProblem(outDir, PROJECT_ROOT);
  if (problem) throw new RenderRefused(problem);
  const run = await runBlueprint(stack);
  const counts = writeRender(run.resources, outDir, { stack, projectRoot: PROJECT_ROOT });
  console.log(`offline render of stack '${stack}': ${counts.objects} Kubernetes objects (${counts.resources} resources declared) written to ${outDir}`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`render failed: ${error.message}`);
    process.exit(1);
  });
}
