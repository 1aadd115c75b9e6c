import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../scripts/lib/stackFile";

export interface CommandRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

const TSX = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
const NODE_BIN = path.join(PROJECT_ROOT, "node_modules", ".bin");

/**
 * Runs scripts/<script>.ts as `npm run` would (tsx, from `cwd`), with exactly the environment given plus a
 * PATH that finds the project's node first. It waits for the process to end; the kill after two minutes
 * only ends a command that hangs, so no process outlives the test.
 */
export function runScript(script: string, args: string[], options: { env?: Record<string, string>; cwd?: string; pathFirst?: string[] } = {}): CommandRun {
  const scriptFile = path.join(options.cwd ?? PROJECT_ROOT, "scripts", `${script}.ts`);
  if (!fs.existsSync(scriptFile)) throw new Error(`no such command script: ${scriptFile}`);
  const result = spawnSync(TSX, [scriptFile, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    encoding: "utf8",
    timeout: 120_000,
    killSignal: "SIGKILL",
    env: {
      HOME: process.env.HOME ?? "/tmp",
      PATH: [...(options.pathFirst ?? []), NODE_BIN, "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
      ...options.env,
    },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The non-empty lines of a stream. */
export function linesOf(text: string): string[] {
  return text.split("\n").filter((line) => line.trim().length > 0);
}
