import { z } from "zod";
import { dnsLabel, hostname, imageRef, quantity, resourcesSchema } from "./configPrimitives";
import { selectorLabels } from "./k8s/labels";
import { objectivesSchema } from "./objectives";
import { observabilitySchema } from "./observability/configSchema";
import { RUNTIME_ENV } from "./service/runtime";
import { resolvedMetrics, workloadIssues, workloadShape, type WorkloadContract } from "./service/workloadSchema";
import { vaultSchema } from "./vault/configSchema";

export const ENVIRONMENTS = ["local", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const imageSchema = z.discriminatedUnion("build", [
  z.strictObject({ build: z.literal(false), ref: imageRef }),
  z.strictObject({
    build: z.literal(true),
    repository: z.string().regex(/^[a-z0-9.:/_-]+$/, "expected a registry repository such as registry.example.com/team/items-api"),
    tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "expected an image tag").refine((tag) => tag !== "latest", "the tag 'latest' is not allowed"),
    context: z.string().default("app"),
    dockerfile: z.string().default("Dockerfile"),
  }),
]);
export type ImageConfig = z.infer<typeof imageSchema>;

/** What the Ingress routes when a service names no paths: the Items API's versioned routes. */
const DEFAULT_INGRESS_PATHS = ["/api"] as const;
/** Paths the service serves that must never be public. */
const INTERNAL_PATHS = ["/metrics", "/health", "/ready", "/docs"] as const;

const ingressPath = z
  .string()
  // eslint-disable-next-line security/detect-unsafe-regex -- each repetition starts with '/', which the segment's class excludes: one way to split, linear time
  .regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, "expected a path prefix such as /api (not '/', no trailing '/')")
  .refine((path) => !INTERNAL_PATHS.some((internal) => path === internal || path.startsWith(`${internal}/`)), {
    message: `must not expose ${INTERNAL_PATHS.join(", ")}: they stay cluster-internal`,
  });

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

type ConventionKeys = WorkloadContract & { docs?: boolean; logLevel?: string; objectives?: unknown };

/** The keys whose meaning depends on the image's conventions and runtime, each named when it does not fit. */
function conventionIssues(value: ConventionKeys): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  for (const key of ["docs", "logLevel"] as const) {
    if (value.conventions === "blueprint" && value[key] === undefined) {
      issues.push({ path: [key], message: "is required with conventions: blueprint (the service reads it at start: docs/service.md)" });
    }
    if (value.conventions !== "blueprint" && value[key] !== undefined) {
      issues.push({ path: [key], message: "is read only by an image with conventions: blueprint; pass this image's own setting in env" });
    }
  }
  if (value.runtime !== "none" && RUNTIME_ENV[value.runtime] in value.env) {
    issues.push({ path: ["env", RUNTIME_ENV[value.runtime]], message: `runtime ${value.runtime} sets ${RUNTIME_ENV[value.runtime]} from the memory limit: drop it here, or set runtime: none` });
  }
  if (value.objectives !== undefined && resolvedMetrics(value) === false) {
    issues.push({ path: ["objectives"], message: "needs the service's request metrics, but metrics is false (or unset without conventions: blueprint): set metrics: { port, path }" });
  }
  return issues;
}

export const serviceSchema = z
  .strictObject({
    image: imageSchema,
    port: z.number().int().min(1024).max(65535).default(8000),
    namespace: dnsLabel.optional(),
    replicas: z.strictObject({ min: z.number().int().min(1), max: z.number().int().min(1) }),
    scaleDownStabilizationSeconds: z.number().int().min(0).max(3600).default(300),
    resources: resourcesSchema,
    // Read only by an image with `conventions: blueprint` (DOCS_ENABLED, LOG_LEVEL), which must set both.
    docs: z.boolean().optional(),
    logLevel: z.enum(LOG_LEVELS).optional(),
    topologySpread: z.boolean(),
    ingress: z
      .strictObject({
        host: hostname,
        className: z.string().min(1).default("nginx"),
        tlsSecretName: dnsLabel.optional(),
        // The path prefixes the Ingress routes: the API only. /metrics, /health, /ready and /docs stay inside
        // the cluster, so "/" (everything) is refused.
        paths: z.array(ingressPath).min(1).default([...DEFAULT_INGRESS_PATHS]),
      })
      .optional(),
    // Services that may call this one. Nothing else in the cluster can, whatever namespace it shares.
    allowFrom: z.array(dnsLabel).default([]),
    otel: z.boolean().default(true),
    // Share of new traces the service records (OTEL_TRACES_SAMPLER=parentbased_traceidratio); a request that
    // continues a caller's trace follows the caller's decision. 1 records every request.
    traceSampleRatio: z.number().min(0).max(1).default(1),
    // Seconds the service keeps serving after termination starts, twice: in the preStop hook (endpoints drop
    // the pod) and after SIGTERM with readiness 503 and `Connection: close` (keep-alive clients move away).
    shutdownDelaySeconds: z.number().int().min(0).max(25).default(5),
    // This service's service level objectives, over the platform's `objectives` (components/objectives.ts).
    objectives: objectivesSchema.optional(),
    // The container the team ships: command, runtime, ports, probes, metrics, env, scratch (docs/new-service.md).
    ...workloadShape,
  })
  .superRefine((value, ctx) => {
    for (const issue of [...workloadIssues(value), ...conventionIssues(value)]) ctx.addIssue({ code: "custom", ...issue });
    if (value.replicas.min > value.replicas.max) {
      ctx.addIssue({ code: "custom", path: ["replicas", "min"], message: `min ${value.replicas.min} is larger than max ${value.replicas.max}` });
    }
  });
export type ServiceConfig = z.infer<typeof serviceSchema>;

const kubernetesSchema = z
  .strictObject({
    // Empty means the ambient kubeconfig's current context.
    context: z.string().min(1).optional(),
    // A kubeconfig file (relative to the project); empty means the ambient one (KUBECONFIG, ~/.kube/config).
    kubeconfig: z.string().min(1).optional(),
    // Set only for stacks that must never touch a cluster: the provider writes YAML here instead.
    renderYamlToDirectory: z.string().min(1).optional(),
  })
  .default({});

const namespacesSchema = z
  .strictObject({
    apps: dnsLabel.default("apps"),
    observability: dnsLabel.default("observability"),
    // The Vector agent reads hostPath logs, which "restricted" forbids, so it lives apart (docs/architecture.md).
    logAgent: dnsLabel.default("log-agent"),
  })
  .default({ apps: "apps", observability: "observability", logAgent: "log-agent" });

const ingressControllerSchema = z
  .strictObject({
    namespace: dnsLabel.default("ingress-nginx"),
    podLabels: z.record(z.string(), z.string()).default(selectorLabels("ingress-nginx")),
  })
  .default({ namespace: "ingress-nginx", podLabels: selectorLabels("ingress-nginx") });

// A ceiling on the stack's total requests with the setup Jobs running, which `npm run sizing` warns about
// (docs/sizing.md). Read by that command only: the program deploys whatever the stack declares.
const sizingSchema = z.strictObject({ budget: z.strictObject({ cpu: quantity, memory: quantity }).optional() }).default({});

export const configSchema = z.strictObject({
  environment: z.enum(ENVIRONMENTS),
  kubernetes: kubernetesSchema,
  namespaces: namespacesSchema,
  ingressController: ingressControllerSchema,
  vault: vaultSchema,
  observability: observabilitySchema,
  // Every service's objectives unless its own entry says otherwise (docs/slos.md).
  objectives: objectivesSchema.default({}),
  sizing: sizingSchema,
  services: z
    .record(dnsLabel, serviceSchema)
    .refine((services) => Object.keys(services).length > 0, "declare at least one service"),
});
