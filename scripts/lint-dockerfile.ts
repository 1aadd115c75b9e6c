import * as fs from "node:fs";
import * as path from "node:path";
import { INSTALL_HINT, runTool, toolBinary, toolVersion } from "../toolchain/manifest-tools/manifestTools";
import { PROJECT_ROOT } from "./lib/stackFile";
import { commandLine, defineCommand, runCheck } from "./lib/usage";

export const SERVICE_DOCKERFILE = path.join(PROJECT_ROOT, "app", "Dockerfile");
/** checkov's Dockerfile checks (USER, HEALTHCHECK, tags, ADD, apt, TLS switches, ...) and its secret detectors. */
export const DOCKERFILE_FRAMEWORKS = ["dockerfile", "secrets"];

export const LINT_DOCKERFILE_COMMAND = defineCommand({
  command: "npm run lint:dockerfile --",
  summary: "Runs checkov's Dockerfile and secrets checks on the service's Dockerfile; fails on a finding no `# checkov:skip=` comment in the Dockerfile covers.",
  doc: "docs/manifest-checks.md",
  options: {
    file: { type: "string", value: "PATH", help: "check this Dockerfile instead of app/Dockerfile" },
  },
});

export interface DockerfileCheck {
  id: string;
  name: string;
  lines: [number, number];
  /** The `# checkov:skip=ID:reason` text, for a skipped check. */
  reason?: string;
}

export interface DockerfileResult {
  passed: number;
  failed: DockerfileCheck[];
  skipped: DockerfileCheck[];
}

interface CheckovCheck {
  check_id: string;
  check_name: string;
  file_line_range: [number, number];
  check_result?: { suppress_comment?: string };
}

interface CheckovReport {
  summary?: { passed?: number };
  results?: { passed_checks?: CheckovCheck[]; failed_checks?: CheckovCheck[]; skipped_checks?: CheckovCheck[] };
}

/**
 * checkov's JSON output: one report object when one framework reported, a list with several; a framework
 * with nothing to report (secrets on a clean file) is left out or has no results.
 */
export function parseCheckovOutput(stdout: string): DockerfileResult {
  let parsed: CheckovReport | CheckovReport[];
  try {
    parsed = JSON.parse(stdout) as CheckovReport | CheckovReport[];
  } catch {
    throw new Error(`checkov printed no JSON report: ${stdout.slice(0, 500)}`);
  }
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  const checks = (list: CheckovCheck[] = []): DockerfileCheck[] =>
    list.map((check) => ({ id: check.check_id, name: check.check_name, lines: check.file_line_range, reason: check.check_result?.suppress_comment }));
  return {
    passed: reports.reduce((sum, report) => sum + (report.summary?.passed ?? 0), 0),
    failed: reports.flatMap((report) => checks(report.results?.failed_checks)),
    skipped: reports.flatMap((report) => checks(report.results?.skipped_checks)),
  };
}

/** Runs checkov (installed by toolchain/manifest-tools/install.sh) on one Dockerfile. */
export function checkDockerfile(file: string): DockerfileResult {
  if (!fs.existsSync(toolBinary("checkov"))) throw new Error(`checkov is not installed; ${INSTALL_HINT}`);
  if (!fs.existsSync(file)) throw new Error(`no such Dockerfile: ${file}`);
  const run = runTool("checkov", ["--framework", ...DOCKERFILE_FRAMEWORKS, "--file", file, "--output", "json", "--skip-download"]);
  // 0: every check passed; 1: some failed. Anything else is checkov itself failing.
  if (run.status !== 0 && run.status !== 1) throw new Error(`checkov exited ${run.status}: ${run.stderr.trim()}`);
  return parseCheckovOutput(run.stdout);
}

export function reportLines(file: string, result: DockerfileResult): string[] {
  const where = (check: DockerfileCheck) => `${file}:${check.lines[0]}${check.lines[1] !== check.lines[0] ? `-${check.lines[1]}` : ""}`;
  return [
    `${file}: ${result.passed} passed, ${result.failed.length} failed, ${result.skipped.length} skipped`,
    ...result.skipped.map((check) => `  skip ${check.id} ${check.name} (${where(check)}): ${check.reason ?? "no reason given"}`),
    ...result.failed.map((check) => `  FAIL ${check.id} ${check.name} (${where(check)})`),
  ];
}

function main(): number {
  const { values } = commandLine(LINT_DOCKERFILE_COMMAND);
  const file = values.file ? path.resolve(values.file) : SERVICE_DOCKERFILE;
  const result = checkDockerfile(file);
  console.log(`checkov ${toolVersion("checkov")}, frameworks ${DOCKERFILE_FRAMEWORKS.join(", ")}`);
  const inRepository = !path.relative(PROJECT_ROOT, file).startsWith("..");
  console.log(reportLines(inRepository ? path.relative(PROJECT_ROOT, file) : file, result).join("\n"));
  return result.failed.length ? 1 : 0;
}

if (require.main === module) runCheck("lint:dockerfile", main);
