/**
 * npm run bench:rules: how the rendered Prometheus rule file grows with the number of services, and how long
 * `promtool check rules` takes on it. Renders staging (the program under mocks, as `npm run render` does) as
 * committed and with 50 extra services, each with the stack's objectives; prints the groups, rules and bytes
 * of both files, the growth per service, and the median of several `promtool check rules` runs of each, taken
 * alternately so a change in the machine's load touches both alike. A benchmark, not a test: docs/benchmarks.md
 * records its runs.
 *
 * Usage: npm run bench:rules -- --help
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { kubernetesObjects } from "./lib/manifests";
import { runBlueprint } from "./lib/mockRun";
import { loadStackFile } from "./lib/stackFile";
import { commandLine, defineCommand, usageError } from "./lib/usage";

/** The parts of the stack file and the rule file this bench reads. */
type StackValues = { services: Record<string, Record<string, unknown>> };
type RuleFileShape = { groups: { rules: unknown[] }[] };

export const BENCH_RULES_COMMAND = defineCommand({
  command: "npm run bench:rules --",
  summary: "Measures how the rendered Prometheus rule file and `promtool check rules` grow with the number of services (a benchmark, not a test).",
  doc: "docs/benchmarks.md",
  options: {
    extra: { type: "string", value: "N", default: "50", help: "services added to staging for the second render" },
    runs: { type: "string", value: "N", default: "9", help: "`promtool check rules` runs per file" },
  },
});

const { values: options } = commandLine(BENCH_RULES_COMMAND);
const extra = Number(options.extra);
const runs = Number(options.runs);
if (!Number.isInteger(extra) || extra < 1 || !Number.isInteger(runs) || runs < 1) {
  usageError(BENCH_RULES_COMMAND, "--extra and --runs take whole numbers of at least 1");
}

async function renderedRules(extraServices: number): Promise<string> {
  const raw = loadStackFile("staging");
  const values = structuredClone(raw.values) as StackValues;
  const { ingress: _ingress, ...items } = values.services["items-api"];
  for (let index = 0; index < extraServices; index += 1) values.services[`bench-${index}`] = { ...structuredClone(items), namespace: `bench-${index % 10}` };
  const run = await runBlueprint("staging", { values, secretKeys: raw.secretKeys });
  const rules = kubernetesObjects(run.resources).find((object) => object.kind === "ConfigMap" && object.metadata.name === "prometheus-rules") as { data?: Record<string, string> } | undefined;
  const file = rules?.data?.["alerts.yaml"];
  if (file === undefined) throw new Error("the render has no ConfigMap prometheus-rules with alerts.yaml");
  return file;
}

function checkSeconds(file: string): number {
  const start = process.hrtime.bigint();
  const result = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`promtool check rules ${file} failed:\n${result.stdout}${result.stderr}`);
  return seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  if (spawnSync("promtool", ["--version"]).status !== 0) throw new Error("promtool is not installed: bash toolchain/test-tools/install-promtool.sh");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-rules-"));
  try {
    const variants = [
      { name: "committed staging (1 service)", file: path.join(dir, "base.yaml"), yaml: await renderedRules(0) },
      { name: `with ${extra} extra services`, file: path.join(dir, "many.yaml"), yaml: await renderedRules(extra) },
    ];
    const times = variants.map(() => [] as number[]);
    for (const variant of variants) fs.writeFileSync(variant.file, variant.yaml);
    for (let run = 0; run < runs; run += 1) variants.forEach((variant, index) => times[index].push(checkSeconds(variant.file)));
    const shape = variants.map((variant) => {
      const file = parse(variant.yaml) as RuleFileShape;
      return { groups: file.groups.length, rules: file.groups.reduce((sum, group) => sum + group.rules.length, 0), bytes: Buffer.byteLength(variant.yaml) };
    });
    console.log(`bench:rules  promtool ${spawnSync("promtool", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0]}; ${runs} runs each, alternated; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}`);
    variants.forEach((variant, index) => {
      const { groups, rules, bytes } = shape[index];
      const [min, max] = [Math.min(...times[index]), Math.max(...times[index])];
      console.log(`  ${variant.name.padEnd(32)} ${String(groups).padStart(4)} groups ${String(rules).padStart(6)} rules ${String(bytes).padStart(8)} bytes   check: median ${(median(times[index]) * 1000).toFixed(0)} ms (min ${(min * 1000).toFixed(0)}, max ${(max * 1000).toFixed(0)})`);
    });
    const perService = { groups: (shape[1].groups - shape[0].groups) / extra, rules: (shape[1].rules - shape[0].rules) / extra, bytes: (shape[1].bytes - shape[0].bytes) / extra };
    console.log(`  per extra service: ${perService.groups} groups, ${perService.rules} rules, ${perService.bytes.toFixed(0)} bytes`);
    console.log(`  check time ratio (${extra} extra / committed): ${(median(times[1]) / median(times[0])).toFixed(2)}x; under a second: ${median(times[1]) < 1 ? "yes" : "NO"}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:rules: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
