import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import type { ProjectCopy } from "../../support/projectCopy";

const lockfile = (dir: string) => fs.readFileSync(path.join(dir, "package-lock.json"), "utf8");

/**
 * Swaps the copy's tree for the project as it was at `commit`, at the same path, and returns a function that
 * swaps today's tree back. Same path, same backend: what the old program deploys, the new one previews, with
 * the provider's settings (the render directory among them) unchanged. node_modules stays today's, so the
 * commit must have the same lockfile.
 */
export function checkOutCommitInPlace(copy: ProjectCopy, commit: string): () => void {
  const current = `${copy.dir}.current`;
  fs.renameSync(copy.dir, current);
  fs.mkdirSync(copy.dir);
  const restore = () => {
    fs.rmSync(copy.dir, { recursive: true, force: true });
    fs.renameSync(current, copy.dir);
  };
  try {
    const archive = execFileSync("git", ["-C", PROJECT_ROOT, "archive", "--format=tar", commit], { maxBuffer: 512 * 2 ** 20, stdio: ["ignore", "pipe", "pipe"] });
    execFileSync("tar", ["-x", "-C", copy.dir], { input: archive });
    if (lockfile(copy.dir) !== lockfile(current)) throw new Error(`commit ${commit} has another package-lock.json: its program cannot run on today's node_modules`);
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(copy.dir, "node_modules"));
  } catch (error) {
    restore();
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`cannot check out ${commit} (a shallow clone lacks it: fetch the full history): ${stderr || (error as Error).message}`, { cause: error });
  }
  return restore;
}
