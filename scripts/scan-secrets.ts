import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { knownStacks, PROJECT_ROOT } from "./lib/stackFile";
import { commandLine, defineCommand, runCheck, usageError } from "./lib/usage";

/** The three things scanned: the working tree, every commit reachable from HEAD, and fresh renders of every stack. */
export const SCANS = ["tree", "history", "renders"] as const;
export type ScanKind = (typeof SCANS)[number];

/** The rules (gitleaks' defaults, plus path allowlists) and the fingerprints of known fixtures, at a repository's root. */
export const GITLEAKS_CONFIG = ".gitleaks.toml";
export const GITLEAKS_IGNORE = ".gitleaksignore";
/**
 * The tree scan's configuration: the scanned repository's .gitleaks.toml plus the gitignored directories of
 * generated files, which the history scan must not skip (a file force-committed there is still a leak).
 */
export const TREE_CONFIG = path.join(PROJECT_ROOT, "scripts", "scan-secrets.tree.toml");
const INSTALL_GITLEAKS = path.join(PROJECT_ROOT, "toolchain", "test-tools", "install-gitleaks.sh");

/** The pinned gitleaks' path: installed on first use (a Go build), at once from the cache after that. */
export function installGitleaks(): string {
  return execFileSync("bash", [INSTALL_GITLEAKS], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").at(-1) as string;
}

/**
 * The history scan's `git log` options. HEAD, not gitleaks' default `--all`: the gate judges the commit under
 * test and everything it carries, whatever other branches or stashes the clone happens to hold. The diff
 * filter is gitleaks' default (added, copied, modified and renamed files; a deletion adds nothing to scan).
 */
export const HISTORY_LOG_OPTIONS = "--full-history --diff-filter=tuxdb HEAD";

export const SCAN_SECRETS_COMMAND = defineCommand({
  command: "npm run test:secrets --",
  summary:
    "Scans the working tree, the git history reachable from HEAD and a fresh offline render of every stack with gitleaks (every default rule; exemptions only by path in .gitleaks.toml and by exact fingerprint in .gitleaksignore). Findings are printed redacted; any finding fails.",
  doc: "docs/toolchain.md",
  options: {
    root: { type: "string", value: "DIR", help: "the repository to scan, with its .gitleaks.toml and .gitleaksignore (default: this repository)" },
    scan: { type: "string", value: "KIND", multiple: true, help: `run only this scan: ${SCANS.join(", ")} (default: all three)` },
    renders: { type: "string", value: "DIR", help: "scan DIR as the renders instead of rendering every stack of this repository" },
  },
});

/**
 * The gitleaks command line for one scan of the current directory, which is `configRoot` for the tree and
 * history scans (the tree configuration extends the .gitleaks.toml found there). Pure, so the flags the gate
 * relies on are tested.
 */
export function gitleaksArgs(kind: ScanKind, configRoot: string, reportPath: string): string[] {
  const common = [
    "--config", kind === "tree" ? TREE_CONFIG : path.join(configRoot, GITLEAKS_CONFIG),
    "--gitleaks-ignore-path", path.join(configRoot, GITLEAKS_IGNORE),
    // A `gitleaks:allow` comment would exempt a line with no fingerprint and no review of the value: not honoured.
    "--ignore-gitleaks-allow",
    // Findings reach the log (and CI's) with the secret replaced by REDACTED.
    "--redact", "--verbose", "--no-banner", "--no-color",
    "--report-format", "json", "--report-path", reportPath,
    "--exit-code", "1",
  ];
  return kind === "history" ? ["git", ...common, "--log-opts", HISTORY_LOG_OPTIONS, "."] : ["dir", ...common, "."];
}

/**
 * Why the history of `root` cannot be scanned in full, or undefined when it can. A shallow clone lacks the
 * older commits, and gitleaks would scan what is there without a word.
 */
export function historyProblem(root: string): string | undefined {
  const result = spawnSync("git", ["rev-parse", "--is-shallow-repository"], { cwd: root, encoding: "utf8" });
  if (result.status !== 0) return `${root} is not a git checkout, so its history cannot be scanned (${result.stderr.trim()})`;
  if (result.stdout.trim() === "true") {
    return `${root} is a shallow clone (git rev-parse --is-shallow-repository: true): the history scan needs every commit. Fetch them with 'git fetch --unshallow' (in CI: actions/checkout with fetch-depth: 0)`;
  }
  return undefined;
}

export interface ScanOutcome {
  kind: ScanKind;
  /** How many findings gitleaks reported (secrets redacted). */
  findings: number;
}

/** Runs one scan of `target` with the config at `configRoot`; gitleaks prints its (redacted) findings itself. */
export function runScan(gitleaks: string, kind: ScanKind, target: string, configRoot: string): ScanOutcome {
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), "scan-secrets-report-"));
  try {
    const reportPath = path.join(reportDir, "report.json");
    console.log(`secret scan: ${kind} (${target})`);
    const result = spawnSync(gitleaks, gitleaksArgs(kind, configRoot, reportPath), { cwd: target, stdio: ["ignore", "inherit", "inherit"] });
    // gitleaks exits 1 both on findings and on its own errors; only a report tells the two apart.
    const report = fs.existsSync(reportPath) ? (JSON.parse(fs.readFileSync(reportPath, "utf8")) as unknown[]) : undefined;
    if (result.error || report === undefined || (result.status !== 0 && report.length === 0)) {
      throw new Error(`gitleaks ${kind} scan of ${target} failed (exit ${result.status ?? result.signal ?? result.error?.message}) without a report; see its output above`);
    }
    return { kind, findings: report.length };
  } finally {
    fs.rmSync(reportDir, { recursive: true, force: true });
  }
}

/** Renders every stack of this repository offline into `dir/<stack>`, with the render command itself. */
function renderEveryStack(dir: string): void {
  const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
  for (const stack of knownStacks()) {
    execFileSync(tsx, [path.join(PROJECT_ROOT, "scripts", "render.ts"), "--stack", stack, "--out", path.join(dir, stack)], { cwd: PROJECT_ROOT, stdio: "inherit" });
  }
}

function requireConfig(root: string): void {
  for (const file of [GITLEAKS_CONFIG, GITLEAKS_IGNORE]) {
    if (!fs.existsSync(path.join(root, file))) throw new Error(`${path.join(root, file)} is missing: the scan runs only with the repository's own rules and fingerprints`);
  }
}

async function main(): Promise<number> {
  const { values } = commandLine(SCAN_SECRETS_COMMAND);
  const unknown = (values.scan ?? []).filter((kind) => !(SCANS as readonly string[]).includes(kind));
  if (unknown.length) usageError(SCAN_SECRETS_COMMAND, `unknown scan ${unknown.map((kind) => `'${kind}'`).join(", ")}; expected ${SCANS.join(", ")}`);
  const kinds = SCANS.filter((kind) => !values.scan?.length || values.scan.includes(kind));
  if (values.renders && !fs.statSync(values.renders, { throwIfNoEntry: false })?.isDirectory()) usageError(SCAN_SECRETS_COMMAND, `--renders ${values.renders} is not a directory`);
  const root = path.resolve(values.root ?? PROJECT_ROOT);
  requireConfig(root);
  // Checked before anything runs, so a shallow clone fails at once and never passes on a partial history.
  const problem = kinds.includes("history") ? historyProblem(root) : undefined;
  if (problem) throw new Error(problem);

  const gitleaks = installGitleaks();
  console.log(`secret scan with ${gitleaks} ${execFileSync(gitleaks, ["version"], { encoding: "utf8" }).trim()}`);
  const rendersDir = kinds.includes("renders") && !values.renders ? fs.mkdtempSync(path.join(os.tmpdir(), "scan-secrets-renders-")) : undefined;
  try {
    if (rendersDir) renderEveryStack(rendersDir);
    const targets: Record<ScanKind, string> = { tree: root, history: root, renders: path.resolve(values.renders ?? rendersDir ?? "") };
    const outcomes = kinds.map((kind) => runScan(gitleaks, kind, targets[kind], root));
    for (const { kind, findings } of outcomes) console.log(`secret scan: ${kind}: ${findings ? `${findings} finding(s)` : "no findings"}`);
    const total = outcomes.reduce((sum, outcome) => sum + outcome.findings, 0);
    if (total) console.log(`secret scan: ${total} finding(s). A test fixture gets its fingerprint in ${GITLEAKS_IGNORE}, with its reason; a real secret is rotated first (docs/toolchain.md#secret-scanning)`);
    return total ? 1 : 0;
  } finally {
    if (rendersDir) fs.rmSync(rendersDir, { recursive: true, force: true });
  }
}

if (require.main === module) runCheck("scan-secrets", main);
