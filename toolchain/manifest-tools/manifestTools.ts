import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LINT_TOOLS, type LintTool } from "../../components/k8s/lintExemptions";

/** versions.json beside this file: the one place the Kubernetes version and the tool versions are pinned. */
export interface ManifestToolPins {
  kubernetes: { version: string; openapiModule: string };
  tools: Record<LintTool, { version: string }>;
}

export const PINS_FILE = path.join(__dirname, "versions.json");
export const INSTALL_HINT = "run `bash toolchain/manifest-tools/install.sh`";

export function loadPins(file = PINS_FILE): ManifestToolPins {
  const pins = JSON.parse(fs.readFileSync(file, "utf8")) as ManifestToolPins;
  if (!/^\d+\.\d+\.\d+$/.test(pins.kubernetes?.version ?? "")) throw new Error(`${file}: kubernetes.version must look like 1.31.14`);
  return pins;
}

/** "1.31.14" → "v1.31", the form kube-score's --kubernetes-version takes. */
export function kubernetesMinor(version: string): string {
  const [major, minor] = version.split(".");
  return `v${major}.${minor}`;
}

export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MANIFEST_TOOLS_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "production-blueprint", "manifest-tools");
}

export function toolBinary(tool: LintTool, dir = toolsDir()): string {
  return path.join(dir, "bin", tool);
}

export function schemaDir(pins: ManifestToolPins, dir = toolsDir()): string {
  return path.join(dir, "schemas", `v${pins.kubernetes.version}-standalone-strict`);
}

/** What is missing from the tool cache, in words; empty when every tool and the schemas are there. */
export function missingTools(pins: ManifestToolPins, dir = toolsDir()): string[] {
  const missing: string[] = LINT_TOOLS.filter((tool) => !fs.existsSync(toolBinary(tool, dir)));
  if (!fs.existsSync(schemaDir(pins, dir))) missing.push(`kubeconform schemas for Kubernetes ${pins.kubernetes.version}`);
  return missing;
}

export interface ToolRun {
  stdout: string;
  stderr: string;
  status: number | null;
}

export function runTool(tool: LintTool, args: string[], dir = toolsDir()): ToolRun {
  const result = spawnSync(toolBinary(tool, dir), args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    // checkov: no download of the guideline mapping (offline), warnings only on stderr.
    env: tool === "checkov" ? { ...process.env, BC_SKIP_MAPPING: "TRUE", LOG_LEVEL: "WARNING" } : process.env,
  });
  if (result.error) throw new Error(`could not run ${tool} (${toolBinary(tool, dir)}): ${result.error.message}; ${INSTALL_HINT}`);
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

/** The tool's version as the tool itself reports it. */
export function toolVersion(tool: LintTool, dir = toolsDir()): string {
  const args: Record<LintTool, string[]> = {
    "kube-linter": ["version"],
    "kube-score": ["version"],
    kubeconform: ["-v"],
    checkov: ["--version"],
  };
  const run = runTool(tool, args[tool], dir);
  const text = `${run.stdout}\n${run.stderr}`;
  return /v?\d+\.\d+\.\d+/.exec(text)?.[0] ?? text.trim();
}
