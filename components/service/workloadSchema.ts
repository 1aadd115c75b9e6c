import { z } from "zod";
import { quantity } from "../configPrimitives";
import { METRICS_PORT_NAME, SCRAPE_PORT_NAMES } from "../k8s/enrolment";

/**
 * The workload contract: what a service entry says about the container a team ships, so any image runs as
 * its team built it. Everything here has a default that assumes nothing about the image beyond "it listens on
 * `port`": its own ENTRYPOINT and CMD, TCP probes on that port, no scrape, no runtime flags, and only the
 * standard OpenTelemetry variables. `conventions: blueprint` says the image follows the platform's own
 * service conventions (docs/service.md), as the Items API in app/ does: then the defaults are its probes,
 * its /metrics and its environment.
 */

/** The main port's name: the Service's port 80, the Ingress backend, and a port Prometheus may scrape. */
export const HTTP_PORT_NAME = METRICS_PORT_NAME;

export const RUNTIMES = ["node", "jvm", "none"] as const;
export type Runtime = (typeof RUNTIMES)[number];

export const CONVENTIONS = ["blueprint", "none"] as const;
export type Conventions = (typeof CONVENTIONS)[number];

/**
 * Values the platform delivers that an env var may name: where the service's Vault is and its secret lives,
 * its login's files (the variable holds the file's path, never the value) for the stack's `vault.authMethod`;
 * with Vault off (the local stack), the generated API key's file.
 */
export const APPROLE_CREDENTIALS = ["vaultRoleIdFile", "vaultSecretIdFile", "vaultApproleMount"] as const;
export const KUBERNETES_CREDENTIALS = ["vaultTokenFile", "vaultKubernetesRole", "vaultKubernetesMount"] as const;
export const VAULT_CREDENTIALS = ["vaultAddress", "vaultKvMount", "vaultSecretPath", "vaultCaFile", ...APPROLE_CREDENTIALS, ...KUBERNETES_CREDENTIALS] as const;
export const LOCAL_CREDENTIALS = ["apiKeyFile"] as const;
export const CREDENTIALS = [...VAULT_CREDENTIALS, ...LOCAL_CREDENTIALS] as const;
export type CredentialRef = (typeof CREDENTIALS)[number];

// IANA_SVC_NAME, what Kubernetes accepts as a container port name: at most 15 characters, a letter in it.
const portName = z
  .string()
  // eslint-disable-next-line security/detect-unsafe-regex -- the optional group is bounded (at most 14 characters) and the anchored lookahead scans the name once
  .regex(/^(?=.*[a-z])[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/, "expected a port name: lowercase letters, digits and '-', at most 15 characters, at least one letter");
// The pods run as a non-root user, which cannot bind a port below 1024.
export const containerPort = z.number().int().min(1024, "must be 1024 or above: the pods run as a non-root user").max(65535);
const httpPath = z.string().regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, "expected an absolute URL path such as /healthz");
const absolutePath = z
  .string()
  // eslint-disable-next-line security/detect-unsafe-regex -- each repetition starts with '/', which the segment's class excludes: one way to split, linear time
  .regex(/^\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "expected an absolute directory path such as /var/cache/app (no trailing '/')")
  .refine((path) => !path.split("/").includes(".."), "must not contain '..'");
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name: letters, digits and '_', not starting with a digit");

const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

/** One probe: HTTP GET on `path`, or a TCP connect when there is no path; timings override the default row. */
export const probeSchema = z.strictObject({
  path: httpPath.optional(),
  port: portName.default(HTTP_PORT_NAME),
  initialDelaySeconds: seconds(0, 600).optional(),
  periodSeconds: seconds(1, 300).optional(),
  timeoutSeconds: seconds(1, 60).optional(),
  failureThreshold: seconds(1, 120).optional(),
});
export type ProbeConfig = z.infer<typeof probeSchema>;
export const PROBE_KINDS = ["startup", "liveness", "readiness"] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

export const metricsSchema = z.union([z.literal(false), z.strictObject({ port: portName.default(HTTP_PORT_NAME), path: httpPath.default("/metrics") })]);
export type MetricsConfig = z.infer<typeof metricsSchema>;

export const envValueSchema = z.union([z.string(), z.strictObject({ credential: z.enum(CREDENTIALS) })]);
export type EnvValue = z.infer<typeof envValueSchema>;

export const scratchSchema = z.strictObject({ path: absolutePath, size: quantity.optional() });

/** The contract's keys, spread into a service entry (configSchema.ts). */
export const workloadShape = {
  // The container's ENTRYPOINT and CMD replacements; unset, the image's own run.
  command: z.array(z.string().min(1)).min(1).optional(),
  args: z.array(z.string()).optional(),
  // Runtime flags sized from the memory limit: Node's heap, the JVM's MaxRAMPercentage; none for the rest.
  runtime: z.enum(RUNTIMES).default("none"),
  conventions: z.enum(CONVENTIONS).default("none"),
  // Named container ports besides `port` (which is `http`): a gRPC or an admin port, say.
  ports: z.record(portName, containerPort).default({}),
  probes: z.strictObject({ startup: probeSchema.optional(), liveness: probeSchema.optional(), readiness: probeSchema.optional() }).default({}),
  // Where Prometheus scrapes, or false; unset: /metrics on `http` with conventions blueprint, else false.
  metrics: metricsSchema.optional(),
  env: z.record(envName, envValueSchema).default({}),
  // Writable directories besides /tmp (the root filesystem is read-only), each an emptyDir.
  scratch: z.array(scratchSchema).default([]),
};

export interface WorkloadContract {
  port: number;
  command?: string[];
  args?: string[];
  runtime: Runtime;
  conventions: Conventions;
  ports: Record<string, number>;
  probes: Partial<Record<ProbeKind, ProbeConfig>>;
  metrics?: MetricsConfig;
  env: Record<string, EnvValue>;
  scratch: { path: string; size?: string }[];
}

type Issue = { path: (string | number)[]; message: string };

/** The contract's rules that span keys; each names its key. Run by the service schema. */
export function workloadIssues(contract: WorkloadContract): Issue[] {
  const issues: Issue[] = [];
  const names = new Map<string, number>([[HTTP_PORT_NAME, contract.port], ...Object.entries(contract.ports)]);
  if (HTTP_PORT_NAME in contract.ports) issues.push({ path: ["ports", HTTP_PORT_NAME], message: `'${HTTP_PORT_NAME}' is the main port's name: set it with \`port\`` });
  const numbers = new Map<number, string>();
  for (const [name, number] of names) {
    const other = numbers.get(number);
    if (other !== undefined && name !== HTTP_PORT_NAME) issues.push({ path: ["ports", name], message: `${number} is already the port '${other}'` });
    numbers.set(number, other ?? name);
  }
  const known = [...names.keys()].map((name) => `'${name}'`).join(", ");
  for (const kind of PROBE_KINDS) {
    const probe = contract.probes[kind];
    if (probe !== undefined && !names.has(probe.port)) issues.push({ path: ["probes", kind, "port"], message: `'${probe.port}' is not a port of this service (its ports: ${known})` });
  }
  // Without paths both would only connect to the same port: the same check, which restarts a pod that is only
  // busy or keeps a wedged one in the Service (the kit refuses it, as kube-score does).
  const [liveness, readiness] = [resolvedProbe("liveness", contract), resolvedProbe("readiness", contract)];
  if (liveness.path === undefined && readiness.path === undefined && liveness.port === readiness.port) {
    issues.push({
      path: ["probes"],
      message: `liveness and readiness would both only connect to port '${readiness.port}': give readiness the path that says the service can take traffic (probes: { readiness: { path: /ready } }), and liveness one that says it is alive`,
    });
  }
  const metrics = resolvedMetrics(contract);
  if (metrics) {
    if (!names.has(metrics.port)) issues.push({ path: ["metrics", "port"], message: `'${metrics.port}' is not a port of this service (its ports: ${known})` });
    else if (!(SCRAPE_PORT_NAMES as readonly string[]).includes(metrics.port)) {
      issues.push({ path: ["metrics", "port"], message: `Prometheus may scrape only a port named ${SCRAPE_PORT_NAMES.map((name) => `'${name}'`).join(" or ")} (its NetworkPolicy names them): rename '${metrics.port}' to 'metrics'` });
    }
  }
  const scratchPaths = new Set<string>();
  contract.scratch.forEach((dir, index) => {
    if (scratchPaths.has(dir.path)) issues.push({ path: ["scratch", index, "path"], message: `${dir.path} is listed twice` });
    scratchPaths.add(dir.path);
  });
  return issues;
}

/** The paths of an image with the platform's conventions (docs/service.md): /health, and /ready for traffic. */
export const BLUEPRINT_PROBE_PATHS: Record<ProbeKind, string> = { startup: "/health", liveness: "/health", readiness: "/ready" };

/** One probe as the entry says, or its default: the conventions' path, else a TCP connect to `http`. */
export function resolvedProbe(kind: ProbeKind, contract: Pick<WorkloadContract, "probes" | "conventions">): ProbeConfig {
  return contract.probes[kind] ?? (contract.conventions === "blueprint" ? { path: BLUEPRINT_PROBE_PATHS[kind], port: HTTP_PORT_NAME } : { port: HTTP_PORT_NAME });
}

/** Where Prometheus scrapes this service, with the conventions' default applied; false for none. */
export function resolvedMetrics(contract: Pick<WorkloadContract, "metrics" | "conventions">): false | { port: string; path: string } {
  if (contract.metrics !== undefined) return contract.metrics;
  return contract.conventions === "blueprint" ? { port: HTTP_PORT_NAME, path: "/metrics" } : false;
}
