import type * as pulumi from "@pulumi/pulumi";
import type { Environment, ServiceConfig } from "../configSchema";

/**
 * The service's budget after its own delay for draining (SHUTDOWN_DRAIN_SECONDS, 10 by default) and flushing
 * telemetry; past it the service exits 1 by itself. The grace period is sized from it (see manifests.ts).
 */
export const SHUTDOWN_TIMEOUT_SECONDS = 20;

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
    ...args.credentialsEnv,
  };
}
