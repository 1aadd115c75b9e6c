import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LINT_TOOLS } from "../components/k8s/lintExemptions";
import { type ExemptionOutcome, applyExemptions, exemptionsMarkdown, exemptionsOf } from "./lib/exemptions";
import { checkRender } from "./lib/manifestCheckers";
import { INSTALL_HINT, loadPins, missingTools, toolVersion } from "../toolchain/manifest-tools/manifestTools";
import { kubernetesObjects, writeRender } from "./lib/manifests";
import { runBlueprint } from "./lib/mockRun";
import { PROJECT_ROOT } from "./lib/stackFile";
import { commandLine, defineCommand, runCheck } from "./lib/usage";

export const LINTED_STACKS = ["staging", "production"];
export const EXEMPTIONS_DOC = path.join(PROJECT_ROOT, "docs", "exemptions.md");

export const LINT_MANIFESTS_COMMAND = defineCommand({
  command: "npm run lint-manifests --",
  summary: "Renders each stack offline and runs every manifest checker on the render; fails on a finding no exemption covers, or on a stale exemption.",
  doc: "docs/manifest-checks.md",
  options: {
    stack: { type: "string", value: "NAME", multiple: true, help: `check this stack only (default: ${LINTED_STACKS.join(", ")})` },
    keep: { type: "string", value: "DIR", help: "keep the renders in DIR/<stack> (new, empty or earlier renders) instead of a temporary directory" },
    "write-exemptions-doc": { type: "boolean", help: "rewrite docs/exemptions.md from the renders and exit (needs no tool)" },
  },
});

interface StackReport {
  lines: string[];
  failures: number;
}

function pad(text: string | number, width: number): string {
  return String(text).padEnd(width);
}

function reportStack(stack: string, results: { tool: string; version: string; objectsChecked: number; outcome: ExemptionOutcome }[]): StackReport {
  const lines = [`stack ${stack}`, `  ${pad("tool", 12)}${pad("version", 10)}${pad("objects", 9)}${pad("findings", 10)}${pad("exempted", 10)}unexempted`];
  let failures = 0;
  for (const { tool, version, objectsChecked, outcome } of results) {
    const findings = outcome.unexempted.length + outcome.exempted.length;
    lines.push(`  ${pad(tool, 12)}${pad(version, 10)}${pad(objectsChecked, 9)}${pad(findings, 10)}${pad(outcome.exempted.length, 10)}${outcome.unexempted.length}`);
    failures += outcome.unexempted.length + outcome.stale.length;
  }
  for (const { outcome } of results) {
    for (const { exemption } of outcome.exempted) lines.push(`  exempt ${exemption.tool} ${exemption.check} on ${exemption.object}: ${exemption.reason}`);
    for (const finding of outcome.unexempted) lines.push(`  FAIL ${finding.tool} ${finding.check} on ${finding.object}: ${finding.message}`);
    for (const stale of outcome.stale) lines.push(`  FAIL stale exemption ${stale.tool} ${stale.check} on ${stale.object}: the tool no longer reports it; remove the annotation`);
  }
  return { lines, failures };
}

async function lintStack(stack: string, renderDir: string, versions: Record<string, string>): Promise<StackReport> {
  const run = await runBlueprint(stack);
  writeRender(run.resources, renderDir, { stack, projectRoot: PROJECT_ROOT });
  const objects = kubernetesObjects(run.resources);
  const exemptions = objects.flatMap(exemptionsOf);
  const pins = loadPins();
  const results = LINT_TOOLS.map((tool) => {
    const result = checkRender(tool, renderDir, objects, pins);
    const outcome = applyExemptions(result.findings, exemptions.filter((exemption) => exemption.tool === tool));
    return { tool, version: versions[tool], objectsChecked: result.objectsChecked, outcome };
  });
  return reportStack(stack, results);
}

/** docs/exemptions.md from the staging and production renders; needs no tool. */
async function writeExemptionsDoc(): Promise<void> {
  const stacks = [];
  for (const stack of LINTED_STACKS) stacks.push({ stack, objects: kubernetesObjects((await runBlueprint(stack)).resources) });
  fs.mkdirSync(path.dirname(EXEMPTIONS_DOC), { recursive: true });
  fs.writeFileSync(EXEMPTIONS_DOC, exemptionsMarkdown(stacks));
  console.log(`wrote ${path.relative(PROJECT_ROOT, EXEMPTIONS_DOC)}`);
}

/** Renders each stack offline, runs every manifest checker on the render, and fails on any unexempted finding. */
async function main(): Promise<number> {
  const { values } = commandLine(LINT_MANIFESTS_COMMAND);
  if (values["write-exemptions-doc"]) {
    await writeExemptionsDoc();
    return 0;
  }
  const stacks = values.stack?.length ? values.stack : LINTED_STACKS;
  const pins = loadPins();
  const missing = missingTools(pins);
  if (missing.length) throw new Error(`not installed: ${missing.join(", ")}; ${INSTALL_HINT}`);
  const versions = Object.fromEntries(LINT_TOOLS.map((tool) => [tool, toolVersion(tool)]));
  const root = values.keep ? path.resolve(values.keep) : fs.mkdtempSync(path.join(os.tmpdir(), "lint-manifests-"));
  console.log(`manifest checks against Kubernetes ${pins.kubernetes.version} (toolchain/manifest-tools/versions.json)`);
  let failures = 0;
  try {
    for (const stack of stacks) {
      const report = await lintStack(stack, path.join(root, stack), versions);
      console.log(report.lines.join("\n"));
      failures += report.failures;
    }
  } finally {
    if (!values.keep) fs.rmSync(root, { recursive: true, force: true });
  }
  console.log(failures ? `manifest checks: ${failures} unexempted finding(s) or stale exemption(s)` : "manifest checks: no unexempted findings");
  return failures ? 1 : 0;
}

if (require.main === module) runCheck("lint-manifests", main);
