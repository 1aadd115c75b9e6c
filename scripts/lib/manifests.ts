import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import type { KubernetesObject } from "../../policy/kubernetes";
import type { DeclaredResource } from "./mocks";
import { maskSecrets } from "./secrets";

export function isKubernetesObject(resource: DeclaredResource): boolean {
  return resource.type.startsWith("kubernetes:") && typeof resource.inputs.kind === "string";
}

/** The manifest the Kubernetes provider would apply, with secret values masked. */
export function toManifest(resource: DeclaredResource): KubernetesObject {
  return maskSecrets(resource.inputs) as KubernetesObject;
}

export function kubernetesObjects(resources: DeclaredResource[]): KubernetesObject[] {
  return resources.filter(isKubernetesObject).map(toManifest);
}

export function manifestFileName(object: KubernetesObject): string {
  return `${object.kind.toLowerCase()}-${object.metadata.namespace ?? "cluster"}-${object.metadata.name}.yaml`;
}

/**
 * Marks a directory as written by writeRender: its stack and every file the render put there. A directory
 * holding it (and nothing the marker does not list) is an earlier render, which the next render may replace.
 */
export const RENDER_MARKER = ".blueprint-render";

interface RenderMarker {
  stack: string;
  files: string[];
}

export class RenderRefused extends Error {
  override name = "RenderRefused";
}

function readMarker(dir: string): RenderMarker | undefined {
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(dir, RENDER_MARKER), "utf8")) as Partial<RenderMarker>;
    return typeof marker.stack === "string" && Array.isArray(marker.files) ? { stack: marker.stack, files: marker.files } : undefined;
  } catch {
    return undefined;
  }
}

function listed(names: string[], limit = 5): string {
  return names.slice(0, limit).join(", ") + (names.length > limit ? `, … (${names.length} entries)` : "");
}

/**
 * The layout the Kubernetes provider's renderYamlToDirectory writes (the local stack's engine path writes
 * rendered/local so): only 0-crd/ and 1-manifest/, each holding only YAML files. The offline render of the
 * same stack may replace it.
 */
const PROVIDER_RENDER_DIRS = ["0-crd", "1-manifest"];
function isProviderRender(dir: string, entries: string[]): boolean {
  return entries.every((entry) => {
    const sub = path.join(dir, entry);
    return PROVIDER_RENDER_DIRS.includes(entry) && fs.lstatSync(sub).isDirectory() && fs.readdirSync(sub).every((file) => file.endsWith(".yaml") && fs.lstatSync(path.join(sub, file)).isFile());
  });
}

/** Directories a render must never replace: the filesystem root, the home directory, and any that holds the checkout or the current directory. */
function protectedReason(outDir: string, projectRoot: string): string | undefined {
  const holds = (inner: string) => {
    const relative = path.relative(outDir, inner);
    return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
  };
  if (outDir === path.parse(outDir).root) return "it is the filesystem root";
  if (holds(os.homedir())) return outDir === os.homedir() ? "it is your home directory" : "it holds your home directory";
  if (holds(projectRoot)) return outDir === projectRoot ? "it is the project's checkout" : "it holds the project's checkout";
  if (holds(process.cwd())) return outDir === process.cwd() ? "it is the current directory" : "it holds the current directory";
  return undefined;
}

/**
 * Why `outDir` may not receive a render, or undefined when it may: it must be new, empty, an earlier
 * render (RENDER_MARKER) holding nothing but the files that render wrote, or the provider's own render.
 */
export function renderTargetProblem(outDir: string, projectRoot: string): string | undefined {
  const dir = path.resolve(outDir);
  const guarded = protectedReason(dir, projectRoot);
  if (guarded) return `refusing to render into ${dir}: ${guarded}, and a render replaces its whole directory; pick a new directory such as rendered/offline/<stack>`;
  if (!fs.existsSync(dir)) return undefined;
  const stat = fs.lstatSync(dir);
  if (stat.isSymbolicLink()) return `refusing to render into ${dir}: it is a symbolic link; name the directory itself`;
  if (!stat.isDirectory()) return `refusing to render into ${dir}: it is a file, not a directory`;
  const entries = fs.readdirSync(dir).sort();
  if (entries.length === 0) return undefined;
  const marker = readMarker(dir);
  if (!marker && isProviderRender(dir, entries)) return undefined;
  if (!marker) {
    // A directory with resources.json but no marker looks like a render, but nothing says what else it holds:
    // it is not deleted unasked.
    const unmarkedRender = entries.includes("resources.json") ? `; if it is an unmarked render you no longer need, delete it first (rm -r ${dir})` : "";
    return `refusing to render into ${dir}: it is not empty and is not an earlier render (no ${RENDER_MARKER}); in the way: ${listed(entries)}${unmarkedRender}`;
  }
  const foreign = entries.filter((entry) => entry !== RENDER_MARKER && !marker.files.includes(entry));
  if (foreign.length) return `refusing to replace the earlier render of stack '${marker.stack}' in ${dir}: it also holds files no render wrote, which replacing it would delete: ${listed(foreign)}`;
  return undefined;
}

/** A sibling of `dir` that does not exist yet (same filesystem, so a rename moves it in one step). */
function siblingName(dir: string, purpose: string): string {
  for (;;) {
    const candidate = path.join(path.dirname(dir), `.${path.basename(dir)}.${purpose}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    if (!fs.existsSync(candidate)) return candidate;
  }
}

/**
 * Writes one YAML file per object, plus resources.json listing every declared resource and RENDER_MARKER.
 * The render is written in full to a sibling directory first and then renamed into place, so a failed render
 * leaves an earlier one as it was; a directory that is neither empty nor an earlier render is refused.
 */
export function writeRender(resources: DeclaredResource[], outDir: string, options: { stack?: string; projectRoot?: string } = {}): { objects: number; resources: number } {
  const dir = path.resolve(outDir);
  const problem = renderTargetProblem(dir, options.projectRoot ?? path.resolve(__dirname, "..", ".."));
  if (problem) throw new RenderRefused(problem);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = siblingName(dir, "render");
  fs.mkdirSync(staging);
  let objects: KubernetesObject[];
  try {
    objects = kubernetesObjects(resources);
    const files = ["resources.json"];
    for (const object of objects) {
      const name = manifestFileName(object);
      const file = path.join(staging, name);
      if (fs.existsSync(file)) throw new Error(`Two objects render to ${name}: names must be unique per kind and namespace`);
      fs.writeFileSync(file, stringify(object, { lineWidth: 0 }));
      files.push(name);
    }
    const listing = resources.map((resource) => ({ ...resource, inputs: maskSecrets(resource.inputs) }));
    fs.writeFileSync(path.join(staging, "resources.json"), `${JSON.stringify(listing, null, 2)}\n`);
    const marker: RenderMarker = { stack: options.stack ?? "(unnamed)", files: files.sort() };
    fs.writeFileSync(path.join(staging, RENDER_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  swapInto(staging, dir);
  return { objects: objects.length, resources: resources.length };
}

/** Moves the finished render into place; the earlier one is deleted only once the new one is there. */
function swapInto(staging: string, dir: string): void {
  if (!fs.existsSync(dir)) {
    fs.renameSync(staging, dir);
    return;
  }
  const old = siblingName(dir, "old");
  fs.renameSync(dir, old);
  try {
    fs.renameSync(staging, dir);
  } catch (error) {
    fs.renameSync(old, dir);
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  fs.rmSync(old, { recursive: true, force: true });
}
