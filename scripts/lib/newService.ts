import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig, PROJECT } from "../../components/stackConfig";
import { dnsLabel } from "../../components/configPrimitives";
import { serviceSchema } from "../../components/configSchema";
import type { Conventions, Runtime } from "../../components/service/workloadSchema";
import { reservedNamespaceReason } from "../../components/reservedNamespaces";
import { insertMapEntry, nodeAt, readPath } from "./stackConfigFile";
import { knownStacks, loadStackFile } from "./stackFile";

export const SERVICES_PATH = ["config", `${PROJECT}:services`];

export interface NewServiceOptions {
  name: string;
  port?: number;
  image?: string;
  /** Deploy into a restricted namespace of its own instead of the shared apps namespace. */
  namespace?: string;
  /** The path that answers 2xx only when the service can take traffic; required unless conventions is blueprint. */
  readinessPath?: string;
  /** The path that answers 2xx while the process is alive; unset, liveness is a TCP connect to the port. */
  livenessPath?: string;
  /** Where the image serves Prometheus metrics on its port; unset, it is not scraped (and has no objectives). */
  metricsPath?: string;
  runtime?: Runtime;
  /** The image follows the platform's service conventions (docs/service.md), as app/ does. */
  conventions?: Conventions;
  /** The stacks to add it to; absent or empty: every Pulumi.<stack>.yaml in the directory. */
  stacks?: string[];
}

/** What addService did: the files it wrote, and those it left alone because they already had the service. */
export interface AddServiceResult {
  written: string[];
  unchanged: string[];
}

export class NewServiceError extends Error {
  override name = "NewServiceError";
}

// Used only when a stack file declares no service to copy sizing from: the sizing the production stack starts from.
const DEFAULT_SIZING = {
  replicas: { min: 2, max: 10 },
  resources: {
    requests: { cpu: "100m", memory: "128Mi", ephemeralStorage: "64Mi" },
    limits: { cpu: "500m", memory: "256Mi", ephemeralStorage: "256Mi" },
  },
  topologySpread: true,
};
const FIRST_TAG = "0.1.0";
const SIZING_KEYS = ["replicas", "scaleDownStabilizationSeconds", "resources", "topologySpread"] as const;

type ServiceEntry = Record<string, unknown>;

function firstService(source: string): { name: string; entry: ServiceEntry } | undefined {
  const services = readPath(source, SERVICES_PATH);
  if (services === null || typeof services !== "object") return undefined;
  const [name, entry] = Object.entries(services as Record<string, ServiceEntry>)[0] ?? [];
  return name === undefined ? undefined : { name, entry };
}

/** Same registry and path as the example service, the new name, and a first release tag. */
function derivedImage(name: string, example: ServiceEntry | undefined): string | undefined {
  const image = example?.image as { build?: boolean; ref?: string; repository?: string } | undefined;
  const repository = image?.build ? image.repository : image?.ref?.replace(/@sha256:.*$/, "").replace(/:[^:/]+$/, "");
  if (!repository?.includes("/")) return undefined;
  return `${repository.slice(0, repository.lastIndexOf("/"))}/${name}:${FIRST_TAG}`;
}

/** The entry for one stack: sizing copied from the stack's first service (so environments keep their shape). */
export function serviceEntry(options: NewServiceOptions, stackSource: string): ServiceEntry {
  const example = firstService(stackSource)?.entry;
  const image = options.image ?? derivedImage(options.name, example);
  if (image === undefined) throw new NewServiceError("no --image given, and no existing service to derive a registry from: pass --image <registry>/<name>:<tag>");
  const sizing = example ? Object.fromEntries(SIZING_KEYS.filter((key) => example[key] !== undefined).map((key) => [key, example[key]])) : DEFAULT_SIZING;
  return {
    image: { build: false, ref: image },
    port: options.port ?? 8000,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...workloadKeys(options),
    ...sizing,
  };
}

/**
 * The workload contract's keys for the image (docs/new-service.md): nothing is assumed about it but its port.
 * Its own entrypoint runs; a readiness path must be given, since a TCP connect cannot say "ready" and the
 * same connect as liveness is refused; the platform's conventions bring their own probes, /metrics and env.
 */
function workloadKeys(options: NewServiceOptions): ServiceEntry {
  if (options.conventions === "blueprint") {
    return { ...(options.runtime ? { runtime: options.runtime } : {}), conventions: "blueprint", docs: false, logLevel: "info" };
  }
  if (options.readinessPath === undefined) {
    throw new NewServiceError("no --readiness-path given: name the path that answers 2xx when the service can take traffic (e.g. --readiness-path /ready), or pass --conventions blueprint for an image built like app/");
  }
  return {
    ...(options.runtime && options.runtime !== "none" ? { runtime: options.runtime } : {}),
    probes: {
      ...(options.livenessPath ? { liveness: { path: options.livenessPath } } : {}),
      readiness: { path: options.readinessPath },
    },
    ...(options.metricsPath ? { metrics: { port: "http", path: options.metricsPath } } : {}),
  };
}

function describeProblems(stackFile: string, name: string, issues: { path: PropertyKey[]; message: string }[]): string {
  const lines = issues.map((issue) => `  - ${PROJECT}:services.${[name, ...issue.path.map(String)].join(".")}: ${issue.message}`);
  return `the new entry for ${stackFile} is invalid:\n${lines.join("\n")}`;
}

/** Refuses a bad name before any file is read, so nothing is half-written. */
export function checkName(name: string | undefined): string {
  if (!name) throw new NewServiceError("a service name is required: npm run new-service -- NAME (see --help)");
  const parsed = dnsLabel.safeParse(name);
  if (!parsed.success) throw new NewServiceError(`'${name}' is not a valid service name: ${parsed.error.issues[0].message}`);
  return name;
}

/** The stacks to fill in: the ones asked for (each must have its file), or every stack file in `root`. */
function targetStacks(root: string, asked: string[] | undefined): string[] {
  const known = knownStacks(root);
  if (known.length === 0) throw new NewServiceError(`no Pulumi.<stack>.yaml files in ${root}`);
  if (!asked?.length) return known;
  const unknown = asked.filter((stack) => !known.includes(stack));
  if (unknown.length) throw new NewServiceError(`--stack ${unknown.join(", ")}: no such stack file (known stacks: ${known.join(", ")})`);
  return [...new Set(asked)];
}

/**
 * Refuses a --namespace the target stack reserves (Kubernetes' own, or one the platform itself uses in that
 * stack's config), naming the service, the option and the stack file.
 */
function checkNamespace(root: string, stack: string, name: string, namespace: string | undefined): void {
  if (namespace === undefined) return;
  const base = `Pulumi.${stack}.yaml`;
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(loadStackFile(stack, root), stack);
  } catch (error) {
    throw new NewServiceError(`cannot check --namespace '${namespace}' for service '${name}' against ${base}, whose config does not parse: ${(error as Error).message}`);
  }
  const reason = reservedNamespaceReason(namespace, config);
  if (reason) throw new NewServiceError(`service '${name}': --namespace ${reason} (${base})`);
}

/**
 * Adds the service to the chosen stack files in `root` (every Pulumi.<stack>.yaml unless `options.stacks`
 * names some). A file that already has the service is left as it is and reported. Every file is checked
 * before any is written: an entry the real schema rejects, or a reserved namespace, leaves all files
 * untouched; so does a name that every chosen file already has.
 */
export function addService(root: string, options: NewServiceOptions): AddServiceResult {
  const name = checkName(options.name);
  const files = targetStacks(root, options.stacks).map((stack) => {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    return { stack, file, base: path.basename(file), source: fs.readFileSync(file, "utf8") };
  });
  const holds = ({ source }: { source: string }) => readPath(source, [...SERVICES_PATH, name]) !== undefined;
  const unchanged = files.filter(holds).map(({ base }) => base);
  const missing = files.filter((file) => !holds(file));
  if (missing.length === 0) throw new NewServiceError(`service '${name}' already exists in ${unchanged.join(", ")}; pick another name`);

  const updates = missing.map(({ stack, file, base, source }) => {
    checkNamespace(root, stack, name, options.namespace);
    const entry = serviceEntry(options, source);
    const parsed = serviceSchema.safeParse(entry);
    if (!parsed.success) throw new NewServiceError(describeProblems(base, name, parsed.error.issues));
    const example = firstService(source);
    const style = example ? nodeAt(source, [...SERVICES_PATH, example.name]) : undefined;
    try {
      return { file, updated: insertMapEntry(source, SERVICES_PATH, name, entry, style) };
    } catch (error) {
      throw new NewServiceError(`${base}: ${(error as Error).message}`);
    }
  });
  for (const { file, updated } of updates) fs.writeFileSync(file, updated);
  return { written: updates.map(({ file }) => path.basename(file)), unchanged };
}
