// Builds the library package into components/dist: tsc with declarations (tsconfig.build.json), then every
// file the components read at run time next to their compiled modules, at the same relative path, because
// they find those files through __dirname (e.g. observability/setupJob.ts reads scripts/apply-requests.sh).
// `npm pack` runs this as prepack, so a tarball is never packed from a stale or partial dist.
import { execFileSync } from "node:child_process";
import process from "node:process";
import { cpSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");
// The build's own files and what it produces; everything else that is not TypeScript is a run-time asset.
const notAssets = new Set(["package.json", "tsconfig.build.json", "build.mjs", "dist", "node_modules"]);

rmSync(dist, { recursive: true, force: true });
// The TypeScript the repository pins (root devDependency), found from here whether npm or a person runs this.
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });

function copyAssets(dir) {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- walks the package's own folder (root is this file's folder) to copy its assets into dist
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (dir === root && notAssets.has(entry.name)) continue;
    if (entry.isDirectory()) copyAssets(path);
    else if (!entry.name.endsWith(".ts")) cpSync(path, join(dist, relative(root, path)));
  }
}
copyAssets(root);
