import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../scripts/lib/stackFile";

// Generated or machine-local: never part of what a run starts from.
const TOP_LEVEL_LEFT_OUT = new Set([".git", "rendered", ".pulumi-state", ".cache", ".cluster"]);

export interface ProjectCopy {
  /** The copied project: the workDir of the stack, the cwd of scripts. */
  dir: string;
  /** A file backend next to the copy, so no run touches the checkout's .pulumi-state. */
  backendUrl: string;
  remove(): void;
}

/** A throwaway copy of the project's working tree, node_modules symlinked, so a run never writes into the checkout. */
export function copyProject(): ProjectCopy {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "blueprint-e2e-"));
  const dir = path.join(root, "project");
  fs.cpSync(PROJECT_ROOT, dir, {
    recursive: true,
    filter: (source) => {
      const parts = path.relative(PROJECT_ROOT, source).split(path.sep);
      return !TOP_LEVEL_LEFT_OUT.has(parts[0]) && !parts.includes("node_modules");
    },
  });
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
  fs.mkdirSync(path.join(root, "state"));
  return { dir, backendUrl: `file://${path.join(root, "state")}`, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}
