import { execFile } from "node:child_process";
import { promisify } from "node:util";

/** What rollback needs to know about the working tree. */
export interface GitWorkTree {
  /** The commit HEAD points at, or undefined outside a git checkout. */
  head(): Promise<string | undefined>;
  /** Paths with uncommitted changes (tracked or untracked, not ignored). */
  dirtyFiles(): Promise<string[]>;
  /** Paths that differ between two commits, or undefined when `from` is not in this clone. */
  changedFiles(from: string, to: string): Promise<string[] | undefined>;
}

const run = promisify(execFile);

export function gitWorkTree(cwd: string): GitWorkTree {
  const git = async (...args: string[]) => (await run("git", args, { cwd, maxBuffer: 16 * 1024 * 1024 })).stdout;
  return {
    async head() {
      try {
        return (await git("rev-parse", "--verify", "HEAD")).trim();
      } catch {
        return undefined;
      }
    },
    async dirtyFiles() {
      // -z keeps odd file names intact: "XY path", and a rename or copy is followed by its source path.
      const entries = (await git("status", "--porcelain=v1", "-z", "--untracked-files=all")).split("\0");
      const files: string[] = [];
      for (let index = 0; index < entries.length; index++) {
        if (entries[index].length < 4) continue;
        files.push(entries[index].slice(3));
        if (/^[RC]/.test(entries[index])) index++;
      }
      return files;
    },
    async changedFiles(from, to) {
      try {
        await git("cat-file", "-e", `${from}^{commit}`);
      } catch {
        return undefined;
      }
      return (await git("diff", "--name-only", "-z", from, to)).split("\0").filter(Boolean);
    },
  };
}
