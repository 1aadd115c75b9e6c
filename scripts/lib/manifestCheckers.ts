import * as path from "node:path";
import type { LintTool } from "../../components/k8s/lintExemptions";
import { type KubernetesObject, describeObject } from "../../policy/kubernetes";
import type { LintFinding } from "./exemptions";
import { manifestFileName } from "./manifests";
import { type ManifestToolPins, type ToolRun, kubernetesMinor, runTool, schemaDir, toolsDir } from "../../toolchain/manifest-tools/manifestTools";
import { PROJECT_ROOT } from "./stackFile";

/** What one tool said about one render: every finding before exemptions, in the tool's own words. */
export interface CheckerResult {
  tool: LintTool;
  objectsChecked: number;
  findings: LintFinding[];
}

/** The render directory holds one object per file; this maps a file the tool names back to that object. */
export type ObjectByFile = (file: string) => string;

interface Checker {
  args(files: string[], pins: ManifestToolPins, dir: string): string[];
  /** Reads the machine-readable output; output that cannot be read throws, so a crash never reads as "no findings". */
  parse(run: ToolRun, objectOf: ObjectByFile, files: string[]): Omit<CheckerResult, "tool">;
}

function parseJson<T>(tool: LintTool, run: ToolRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`${tool} did not print JSON (exit ${run.status}):\n${run.stderr || run.stdout}`.trimEnd());
  }
}

interface KubeLinterOutput {
  Reports: { Check: string; Remediation: string; Diagnostic: { Message: string }; Object: { Metadata: { FilePath: string } } }[] | null;
  Summary: { ChecksStatus: string };
}

interface KubeScoreObject {
  file_name: string;
  checks: { check: { id: string; name: string }; grade: number; skipped: boolean; comments: { path: string; summary: string; description: string }[] | null }[];
}

interface CheckovOutput {
  results: { failed_checks: { check_id: string; check_name: string; file_path: string; guideline?: string }[]; parsing_errors: string[] };
  summary: { resource_count: number; parsing_errors: number };
}

interface KubeconformOutput {
  resources: { filename: string; status: string; msg: string; validationErrors?: { path: string; msg: string }[] }[] | null;
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

export const KUBE_LINTER_CONFIG = path.join(PROJECT_ROOT, "scripts", "kube-linter.yaml");

// kube-score's optional tests that hold for this platform. The requests-equal-limits family is left off on
// purpose: requests below limits let a pod burst, and the sizing sets them apart on purpose.
export const KUBE_SCORE_OPTIONAL_TESTS = ["container-seccomp-profile", "container-ports-check"];

// kube-score's default tests this platform decides otherwise. container-image-pull-policy wants Always on every
// container; the pull policy follows the pin instead (components/k8s/podSpec.ts pullPolicyFor): IfNotPresent for a
// digest, which names exactly one image, Always for a bare tag. The unit tests prove that rule over every render.
export const KUBE_SCORE_IGNORED_TESTS = ["container-image-pull-policy"];

// kube-score grades: 1 critical, 5 warning, 7 almost OK, 10 OK. Anything below OK is a finding.
const KUBE_SCORE_OK = 10;

export const CHECKERS: Record<LintTool, Checker> = {
  "kube-linter": {
    args: (files) => ["lint", "--config", KUBE_LINTER_CONFIG, "--format", "json", ...files],
    parse(run, objectOf, files) {
      const output = parseJson<KubeLinterOutput>("kube-linter", run);
      const findings = (output.Reports ?? []).map((report) => ({
        tool: "kube-linter" as const,
        check: report.Check,
        object: objectOf(report.Object.Metadata.FilePath),
        message: `${report.Diagnostic.Message} (${report.Remediation.trim()})`,
      }));
      // kube-linter does not count objects: every file given holds exactly one.
      return { objectsChecked: files.length, findings };
    },
  },
  "kube-score": {
    args: (files, pins) => [
      "score",
      "--kubernetes-version",
      kubernetesMinor(pins.kubernetes.version),
      ...KUBE_SCORE_OPTIONAL_TESTS.flatMap((test) => ["--enable-optional-test", test]),
      ...KUBE_SCORE_IGNORED_TESTS.flatMap((test) => ["--ignore-test", test]),
      "--output-format",
      "json",
      ...files,
    ],
    parse(run, objectOf) {
      const output = parseJson<KubeScoreObject[]>("kube-score", run);
      const findings = output.flatMap((scored) =>
        scored.checks
          .filter((result) => !result.skipped && result.grade < KUBE_SCORE_OK)
          .map((result) => ({
            tool: "kube-score" as const,
            check: result.check.id,
            object: objectOf(scored.file_name),
            message: [result.check.name, ...(result.comments ?? []).map((comment) => `${comment.path ? `${comment.path}: ` : ""}${comment.summary}${comment.description ? ` — ${comment.description}` : ""}`)].join("; "),
          })),
      );
      return { objectsChecked: output.length, findings };
    },
  },
  checkov: {
    args: (files) => ["--framework", "kubernetes", "--skip-download", "--output", "json", "--compact", ...files.flatMap((file) => ["--file", file])],
    parse(run, objectOf) {
      const output = parseJson<CheckovOutput | CheckovOutput[]>("checkov", run);
      // checkov prints a bare summary, not a report, when no file held anything it could check.
      const report = Array.isArray(output) ? output[0] : output;
      if (!report?.results) throw new Error(`checkov found nothing to check:\n${run.stdout}`);
      if (report.summary.parsing_errors > 0) throw new Error(`checkov could not parse: ${report.results.parsing_errors.join(", ")}`);
      const findings = report.results.failed_checks.map((failed) => ({
        tool: "checkov" as const,
        check: failed.check_id,
        object: objectOf(failed.file_path),
        message: failed.check_name,
      }));
      return { objectsChecked: report.summary.resource_count, findings };
    },
  },
  kubeconform: {
    args: (files, pins, dir) => [
      "-strict",
      "-summary",
      "-verbose",
      "-output",
      "json",
      "-kubernetes-version",
      pins.kubernetes.version,
      "-schema-location",
      path.join(schemaDir(pins, dir), "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
      ...files,
    ],
    parse(run, objectOf) {
      const output = parseJson<KubeconformOutput>("kubeconform", run);
      const findings = (output.resources ?? [])
        .filter((resource) => resource.status !== "statusValid")
        .map((resource) => ({
          tool: "kubeconform" as const,
          check: resource.status.replace(/^status/, "").toLowerCase(),
          object: objectOf(resource.filename),
          message: resource.validationErrors?.length ? resource.validationErrors.map((error) => `${error.path}: ${error.msg}`).join("; ") : resource.msg,
        }));
      const { valid, invalid, errors, skipped } = output.summary;
      return { objectsChecked: valid + invalid + errors + skipped, findings };
    },
  },
};

export function runChecker(tool: LintTool, files: string[], objectOf: ObjectByFile, pins: ManifestToolPins, dir = toolsDir()): CheckerResult {
  const checker = CHECKERS[tool];
  const run = runTool(tool, checker.args(files, pins, dir), dir);
  return { tool, ...checker.parse(run, objectOf, files) };
}

/**
 * Runs one tool on objects already written to renderDir under their manifestFileName (as writeRender
 * does), and names each finding's object.
 */
export function checkRender(tool: LintTool, renderDir: string, objects: KubernetesObject[], pins: ManifestToolPins, dir = toolsDir()): CheckerResult {
  const byFile = new Map(objects.map((object) => [manifestFileName(object), describeObject(object)]));
  const objectOf = (file: string) => {
    const object = byFile.get(path.basename(file));
    if (!object) throw new Error(`${tool} reported on ${file}, which is not one of the rendered objects`);
    return object;
  };
  return runChecker(tool, [...byFile.keys()].map((file) => path.join(renderDir, file)), objectOf, pins, dir);
}
