/**
 * Runs a service's rendered container as a local process, from its rendered Deployment: the command and args,
 * the environment, the mounted files and the port, as a container runtime and the kubelet would give them.
 * Where this departs from the container, it is here and said so:
 *
 * - The image is not run (no container runtime here). Its ENTRYPOINT, CMD, WORKDIR and ENV come from the
 *   service's Dockerfile in this repository (IMAGES maps the image's name to it), and its files are the build
 *   directory's: WORKDIR is that directory. The in-image executable becomes the local one (`node`: this
 *   repository's node; `uvicorn` and `python`: a virtualenv of the service's requirements.txt, from
 *   app/scripts/python-venv.sh). That mapping is the one place where what runs is not what the image holds.
 * - Mounted volumes (Secrets, ConfigMaps, emptyDirs) are materialised in a temporary directory, and env values
 *   that name a mount path are rewritten to it; cluster hostnames (`*.svc.cluster.local`) become 127.0.0.1
 *   (support/loopback.ts). A Secret's values are the ones the render generated (its YAML masks them).
 * - The service is told to listen on 127.0.0.1 (IMAGES' `listenOnLoopback`) instead of every interface.
 * - PATH is this machine's: the image's PATH names its own directories, which the executable mapping replaces.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { revealSecrets } from "../../../scripts/lib/secrets";
import { toLoopback } from "./loopback";
import { assertPortsFree, type Processes, run, type Running } from "./processes";
import { REPO_ROOT } from "./programs";
import type { StackRender } from "./render";

type Any = Record<string, any>;

interface ImageSource {
  /** The image's build context in this repository, where its Dockerfile is. */
  buildDir: string;
  /** What makes the program listen on 127.0.0.1 only. */
  listenOnLoopback: Record<string, string>;
}

/** Image name (the reference's last path segment, without tag or digest) → where it is built from. */
export const IMAGES: Record<string, ImageSource> = {
  "items-api": { buildDir: "app", listenOnLoopback: { APP_HOST: "127.0.0.1" } },
  "items-py": { buildDir: "examples/items-py", listenOnLoopback: { UVICORN_HOST: "127.0.0.1" } },
};

/** What the Dockerfile's final stage gives the container: the parts a container runtime reads at start. */
export interface ImageConfig {
  /** undefined: the stage sets none, so the base image's applies, which the Dockerfile does not show. */
  entrypoint?: string[];
  cmd?: string[];
  workdir?: string;
  env: Record<string, string>;
}

/** Joins continued lines, drops comments and blank lines. */
function instructions(text: string): { keyword: string; rest: string }[] {
  const joined = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const keyword = line.split(/\s+/)[0] ?? "";
      return { keyword: keyword.toUpperCase(), rest: line.slice(keyword.length).trim() };
    });
}

/** $NAME and ${NAME} from the stage's ARGs and ENVs; an unknown one is an error (it would come from the base image). */
function substitute(value: string, known: Record<string, string>, what: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const found = known[name];
    if (found === undefined) throw new Error(`${what}: $${name} is not set in the Dockerfile's final stage (it would come from the base image)`);
    return found;
  });
}

const unquote = (value: string) => (/^".*"$/.test(value) || /^'.*'$/.test(value) ? value.slice(1, -1) : value);

/** The exec form (a JSON array); the shell form would run /bin/sh, which the local mapping does not cover. */
function execForm(keyword: string, rest: string): string[] {
  if (!rest.startsWith("[")) throw new Error(`${keyword} ${rest}: only the exec form (a JSON array) is supported`);
  return JSON.parse(rest) as string[];
}

export function readDockerfile(file: string): ImageConfig {
  let stage: ImageConfig = { env: {} };
  let args: Record<string, string> = {};
  for (const { keyword, rest } of instructions(fs.readFileSync(file, "utf8"))) {
    switch (keyword) {
      case "FROM":
        stage = { env: {} };
        args = {};
        break;
      case "ARG": {
        const [name = "", ...value] = rest.split("=");
        if (value.length > 0) args[name] = unquote(value.join("="));
        break;
      }
      case "ENV": {
        // KEY=value pairs (quoted values without spaces only; the Dockerfiles here need no more).
        for (const pair of rest.split(/\s+/)) {
          const at = pair.indexOf("=");
          if (at < 1) throw new Error(`ENV ${rest}: only the KEY=value form is supported`);
          const name = pair.slice(0, at);
          // PATH extends the base image's, which is not known here; the executable mapping stands in for it.
          if (name === "PATH") continue;
          stage.env[name] = substitute(unquote(pair.slice(at + 1)), { ...args, ...stage.env }, `ENV ${name}`);
        }
        break;
      }
      case "WORKDIR":
        stage.workdir = path.posix.resolve(stage.workdir ?? "/", rest);
        break;
      case "ENTRYPOINT":
        stage.entrypoint = execForm(keyword, rest);
        // As in Docker: an ENTRYPOINT resets the CMD inherited from the base image.
        stage.cmd ??= [];
        break;
      case "CMD":
        stage.cmd = execForm(keyword, rest);
        break;
      default:
        break;
    }
  }
  return stage;
}

/** The image's name: "ghcr.io/org/items-py:0.1.0" → "items-py". */
export function imageName(ref: string): string {
  const last = ref.split("@")[0]!.split("/").pop()!;
  return last.replace(/:[^:]+$/, "");
}

/**
 * What the container runs, by Kubernetes' rules: `command` replaces ENTRYPOINT (and then CMD is dropped);
 * `args` replaces CMD; with neither, ENTRYPOINT then CMD.
 */
export function containerArgv(container: Any, image: ImageConfig): string[] {
  if (container.command !== undefined) return [...container.command, ...(container.args ?? [])];
  if (image.entrypoint === undefined && image.cmd === undefined) throw new Error(`${container.name}: neither the container nor the Dockerfile's final stage says what to run`);
  return [...(image.entrypoint ?? []), ...(container.args ?? image.cmd ?? [])];
}

/** The in-image executable → the local one. The one place the test departs from the container (see the top). */
export function localExecutable(executable: string, buildDir: string): string {
  const name = path.posix.basename(executable);
  if (name === "node") return process.execPath;
  if (["uvicorn", "python", "python3"].includes(name)) {
    const requirements = path.join(buildDir, "requirements.txt");
    const venv = run("bash", [path.join(REPO_ROOT, "app/scripts/python-venv.sh"), requirements], { timeoutMs: 600_000 });
    if (venv.status !== 0) throw new Error(`could not set up the virtualenv for ${requirements}:\n${venv.output}`);
    return path.join(venv.output.trim().split("\n").pop()!, "bin", name);
  }
  throw new Error(`no local stand-in for the image's executable '${executable}' (add one to localExecutable)`);
}

/** The declared Secret's data, with the values the render generated (the YAML files mask them). */
function secretData(render: StackRender, namespace: string, name: string): Record<string, string> {
  const declared = render.resources.find(
    (resource) => resource.type === "kubernetes:core/v1:Secret" && (resource.inputs.metadata as Any | undefined)?.name === name && (resource.inputs.metadata as Any).namespace === namespace,
  );
  if (declared === undefined) throw new Error(`the render declares no Secret ${namespace}/${name}`);
  const inputs = revealSecrets(declared.inputs) as Any;
  const decoded = Object.entries((inputs.data ?? {}) as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]);
  return { ...Object.fromEntries(decoded), ...(inputs.stringData ?? {}) };
}

/** A volume's files in `dir`, as the kubelet projects them (items: key → path; else every key). */
function materialise(render: StackRender, namespace: string, volume: Any, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  if (volume.emptyDir) return;
  const source = volume.secret ?? volume.configMap;
  if (source === undefined) throw new Error(`volume ${volume.name}: only secret, configMap and emptyDir volumes are materialised`);
  const data = volume.secret ? secretData(render, namespace, source.secretName) : (render.object("ConfigMap", namespace, source.name).data as Record<string, string>);
  const items: { key: string; path: string; mode?: number }[] = source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of items) {
    const value = data[item.key];
    if (value === undefined) throw new Error(`volume ${volume.name}: no key ${item.key}`);
    const file = path.join(dir, item.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, value, { mode: item.mode ?? source.defaultMode ?? 0o644 });
  }
}

export interface WorkloadUnderTest {
  name: string;
  running: Running;
  /** The rendered container, for the prober. */
  container: Any;
  /** The rendered pod template, for Prometheus' discovery stand-in. */
  deployment: Any;
  /** The process's argv and env after the mapping, for the test's messages. */
  argv: string[];
  env: Record<string, string>;
  /** When the process was started (performance.now()), for the prober's initialDelaySeconds. */
  startedAt: number;
  /** The `http` port as rendered, on 127.0.0.1. */
  baseUrl: string;
}

/** Starts the Deployment's first container as described at the top; `processes` stops it. */
export async function startWorkload(processes: Processes, render: StackRender, namespace: string, name: string): Promise<WorkloadUnderTest> {
  const deployment = render.object("Deployment", namespace, name);
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const source = IMAGES[imageName(container.image)];
  if (source === undefined) throw new Error(`no build directory known for image ${container.image} (add it to IMAGES)`);
  const buildDir = path.join(REPO_ROOT, source.buildDir);
  const image = readDockerfile(path.join(buildDir, "Dockerfile"));

  const mountRoot = fs.mkdtempSync(path.join(os.tmpdir(), `systems-${name}-mounts-`));
  const mountPaths: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes.find((candidate: Any) => candidate.name === mount.name);
    const dir = path.join(mountRoot, mount.name);
    materialise(render, namespace, volume, dir);
    mountPaths[mount.mountPath] = dir;
  }

  // Image ENV, then envFrom, then env: the container runtime's and the kubelet's order of precedence.
  const fromConfigMaps = (container.envFrom ?? []).map((source: Any) => {
    if (!source.configMapRef) throw new Error(`${name}: only envFrom configMapRef is supported`);
    return render.object("ConfigMap", namespace, source.configMapRef.name).data as Record<string, string>;
  });
  const own = Object.fromEntries(
    (container.env ?? []).map((entry: Any) => {
      if (typeof entry.value !== "string") throw new Error(`${name}: env ${entry.name} is not a plain value`);
      return [entry.name, entry.value];
    }),
  );
  const rendered: Record<string, string> = Object.assign({}, image.env, ...fromConfigMaps, own);
  const text = JSON.stringify(rendered);
  const hosts = [...new Set(text.match(/[a-z0-9-]+(\.[a-z0-9-]+)*\.svc\.cluster\.local/g) ?? [])];
  const paths = Object.fromEntries(Object.entries(mountPaths).filter(([mountPath]) => new RegExp(`(?<![A-Za-z0-9._/-])${mountPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z0-9._-])`).test(text)));
  const env = { ...(JSON.parse(toLoopback(text, { hosts, paths })) as Record<string, string>), ...source.listenOnLoopback };

  const [executable, ...args] = containerArgv(container, image);
  const http = container.ports.find((port: Any) => port.name === "http");
  await assertPortsFree([http.containerPort]);
  const local = localExecutable(executable!, buildDir);
  const startedAt = performance.now();
  const running = processes.start(name, local, args, { cwd: buildDir, env: { PATH: process.env.PATH ?? "", ...env } });
  return { name, running, container, deployment, argv: [executable!, ...args], env, startedAt, baseUrl: `http://127.0.0.1:${http.containerPort}` };
}
