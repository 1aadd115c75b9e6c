import * as fs from "node:fs";
import * as path from "node:path";
import { kubernetesObjects } from "./lib/manifests";
import { runBlueprint } from "./lib/mockRun";
import { type Budget, budgetWarnings, type Footprint, footprint, footprintMarkdown, parseBudget, committedBudgets } from "./lib/sizing";
import { knownStacks, PROJECT_ROOT } from "./lib/stackFile";
import { commandLine, defineCommand, usageError } from "./lib/usage";

export const SIZING_DOC = path.join(PROJECT_ROOT, "docs", "sizing.md");

export const SIZING_COMMAND = defineCommand({
  command: "npm run sizing --",
  summary: "Prints each stack's requests and limits per workload, from the offline render, and warns about a stack over its budget; writes nothing unless asked.",
  doc: "docs/sizing.md",
  options: {
    stack: { type: "string", value: "NAME", multiple: true, help: "only this stack (default: every committed Pulumi.<stack>.yaml)" },
    budget: { type: "string", value: "STACK=CPU,MEMORY", multiple: true, help: "this budget for STACK in this run, e.g. staging=4,12Gi (default: the stack's sizing.budget)" },
    write: { type: "boolean", help: "rewrite docs/sizing.md (every committed stack, the committed budgets)" },
    out: { type: "string", value: "FILE", help: "write the page for the chosen stacks to FILE instead of printing it" },
  },
});

/** The page for `stacks`: what `--write` puts in docs/sizing.md when given every committed stack. */
export function sizingPage(footprints: Footprint[], budgets: Record<string, Budget> = committedBudgets()): { markdown: string; warnings: string[] } {
  return {
    markdown: `${footprintMarkdown(footprints, budgets)}\n`,
    warnings: footprints.flatMap((entry) => budgetWarnings(entry.stack, entry, budgets[entry.stack])),
  };
}


/** Per-stack requests and limits of every workload, from the offline render (docs/sizing.md). */
async function main(): Promise<void> {
  const { values } = commandLine(SIZING_COMMAND);
  const committed = knownStacks();
  const stacks = values.stack?.length ? [...new Set(values.stack)] : committed;
  const unknown = stacks.filter((stack) => !committed.includes(stack));
  if (unknown.length) usageError(SIZING_COMMAND, `--stack ${unknown.join(", ")}: no such stack file (known stacks: ${committed.join(", ")})`);
  // docs/sizing.md documents every committed stack against the committed budgets; a narrower page goes to --out.
  if (values.write && (values.stack?.length || values.budget?.length || values.out)) usageError(SIZING_COMMAND, "--write rewrites docs/sizing.md for every committed stack with the committed budgets: use --out FILE with --stack or --budget");
  const budgets = committedBudgets();
  for (const text of values.budget ?? []) {
    let parsed: ReturnType<typeof parseBudget>;
    try {
      parsed = parseBudget(text);
    } catch (error) {
      usageError(SIZING_COMMAND, (error as Error).message);
    }
    if (!stacks.includes(parsed.stack)) usageError(SIZING_COMMAND, `--budget ${text}: stack '${parsed.stack}' is not among the stacks sized (${stacks.join(", ")})`);
    budgets[parsed.stack] = parsed.budget;
  }

  const footprints = [];
  for (const stack of stacks) {
    const run = await runBlueprint(stack);
    footprints.push(footprint(run.config.environment, kubernetesObjects(run.resources), undefined, stack));
  }
  const page = sizingPage(footprints, budgets);
  for (const warning of page.warnings) console.error(warning);
  const out = values.write ? SIZING_DOC : values.out ? path.resolve(values.out) : undefined;
  if (out === undefined) {
    process.stdout.write(page.markdown);
    return;
  }
  fs.writeFileSync(out, page.markdown);
  for (const entry of footprints) {
    console.log(`${entry.stack}: requests ${entry.total.cpuRequest.toFixed(2)} vCPU / ${(entry.total.memoryRequest / 2 ** 30).toFixed(2)} GiB, limits ${entry.total.cpuLimit.toFixed(2)} vCPU / ${(entry.total.memoryLimit / 2 ** 30).toFixed(2)} GiB`);
  }
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`sizing failed: ${error.message}`);
    process.exit(1);
  });
}
