import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import type { ProjectCopy } from "../../support/projectCopy";

/** Every package a lockfile pins, by install path, with its version and integrity; the project itself left out. */
function lockedPackages(dir: string): Map<string, string> {
  const { packages } = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string; integrity?: string }> };
  return new Map(Object.entries(packages).filter(([where]) => where !== "").map(([where, entry]) => [where, `${entry.version ?? ""} ${entry.integrity ?? ""}`]));
}

/**
 * The packages `commit`'s lockfile pins that today's node_modules lacks or holds at another version. Packages
 * added since do not matter: the old program never imports them.
 */
function packagesNotInstalledToday(commitDir: string, todayDir: string): string[] {
  const today = lockedPackages(todayDir);
  return [...lockedPackages(commitDir)].filter(([where, pin]) => today.get(where) !== pin).map(([where, pin]) => `${where}@${pin.split(" ")[0]}`);
}

/**
 * Swaps the copy's tree for the project as it was at `commit`, at the same path, and returns a function that
 * swaps today's tree back. Same path, same backend: what the old program deploys, the new one previews, with
 * the provider's settings (the render directory among them) unchanged. node_modules stays today's, so every
 * package the commit's lockfile pins must be installed today at the same version and integrity.
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
  } catch (error) {
    restore();
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`cannot check out ${commit} (a shallow clone lacks it: fetch the full history): ${stderr || (error as Error).message}`, { cause: error });
  }
  const missing = packagesNotInstalledToday(copy.dir, current);
  if (missing.length > 0) {
    restore();
    throw new Error(`commit ${commit} pins packages today's node_modules lacks or holds at another version, so its program cannot run on them: ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? `, and ${missing.length - 5} more` : ""}`);
  }
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(copy.dir, "node_modules"));
  return restore;
}
