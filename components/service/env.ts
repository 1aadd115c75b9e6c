import type * as pulumi from "@pulumi/pulumi";
import type { Environment, ServiceConfig } from "../configSchema";
import { parseQuantity } from "../k8s/quantity";

/**
 * The service's budget after its own delay for draining (SHUTDOWN_DRAIN_SECONDS, 10 by default) and flushing
 * telemetry; past it the service exits 1 by itself. The grace period is sized from it (see manifests.ts).
 */
export const SHUTDOWN_TIMEOUT_SECONDS = 20;

/**
 * Share of the container's memory limit given to V8's old generation. The rest is for what V8 does not count
 * there: code, the young generation (up to 24 MiB with the 8 MiB semi-space below), buffers and the runtime
 * itself. Without a flag V8 sizes its heap from the node's memory, not the container's limit, and the pod is
 * OOM-killed before the GC works hard. Measured by `npm --prefix app run bench:app` with these flags for a
 * 256Mi limit: 119-134 MiB RSS after saturating load, tracing off to tracing every request.
 */
const HEAP_SHARE_OF_MEMORY_LIMIT = 0.5;

function maxOldSpaceMiB(config: Pick<ServiceConfig, "resources">): number {
  return Math.floor((parseQuantity(config.resources.limits.memory) * HEAP_SHARE_OF_MEMORY_LIMIT) / 2 ** 20);
}

/**
 * V8 heap flags for the container: the old generation bounded as above, and an 8 MiB semi-space (young
 * generation) instead of V8's 16 MiB. Measured side by side by the benchmark: 4 MiB cost 12% more CPU per
 * request than 8 (Node's per-request objects are promoted and collected more often); 16 was no better than 8 in
 * interleaved runs on the shared benchmark machine, for a young generation that can grow to 48 MiB instead of 24.
 */
function nodeOptions(config: Pick<ServiceConfig, "resources">): string {
  return `--max-old-space-size=${maxOldSpaceMiB(config)} --max-semi-space-size=8`;
}

/** The service calls the local stack "development": it is the same code path as a laptop. */
function appEnvironment(environment: Environment): "development" | "staging" | "production" {
  return environment === "local" ? "development" : environment;
}

export interface ServiceEnvArgs {
  name: string;
  environment: Environment;
  config: ServiceConfig;
  /** Inputs: a consumer's endpoint and Vault address are the platform stack's Outputs. */
  otlpEndpoint: pulumi.Input<string>;
  credentialsEnv: Record<string, pulumi.Input<string>>;
}

/**
 * The non-secret env of the service (APP_*, LOG_*, OTEL_*, VAULT_*), delivered as a ConfigMap. APP_VERSION is
 * not here: it follows the image, so it is set on the container next to it, and a new image changes only
 * the Deployment (the provider replaces a ConfigMap whose data changes).
 */
export function serviceEnv(args: ServiceEnvArgs): Record<string, pulumi.Input<string>> {
  return {
    APP_NAME: args.name,
    APP_ENV: appEnvironment(args.environment),
    APP_PORT: String(args.config.port),
    DOCS_ENABLED: String(args.config.docs),
    LOG_LEVEL: args.config.logLevel,
    LOG_FORMAT: "json",
    OTEL_ENABLED: String(args.config.otel),
    OTEL_SERVICE_NAME: args.name,
    OTEL_EXPORTER_OTLP_ENDPOINT: args.otlpEndpoint,
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: String(args.config.traceSampleRatio),
    SHUTDOWN_DELAY_SECONDS: String(args.config.shutdownDelaySeconds),
    SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
    NODE_OPTIONS: nodeOptions(args.config),
    ...args.credentialsEnv,
  };
}
