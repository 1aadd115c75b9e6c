import type { Environment, ServiceConfig } from "../configSchema";

/**
 * The service's budget after its own delay for draining (SHUTDOWN_DRAIN_SECONDS, 10 by default) and flushing
 * telemetry; past it the service exits 1 by itself. The grace period is sized from it (see manifests.ts).
 */
export const SHUTDOWN_TIMEOUT_SECONDS = 20;

/** The service calls the local stack "development": it is the same code path as a laptop. */
export function appEnvironment(environment: Environment): "development" | "staging" | "production" {
  return environment === "local" ? "development" : environment;
}

export interface ServiceEnvArgs {
  name: string;
  environment: Environment;
  version: string;
  config: ServiceConfig;
  otlpEndpoint: string;
  credentialsEnv: Record<string, string>;
}

/** The non-secret env of the service (APP_*, LOG_*, OTEL_*, VAULT_*), delivered as a ConfigMap. */
export function serviceEnv(args: ServiceEnvArgs): Record<string, string> {
  return {
    APP_NAME: args.name,
    APP_ENV: appEnvironment(args.environment),
    APP_VERSION: args.version,
    APP_PORT: String(args.config.port),
    DOCS_ENABLED: String(args.config.docs),
    LOG_LEVEL: args.config.logLevel,
    LOG_FORMAT: "json",
    OTEL_ENABLED: String(args.config.otel),
    OTEL_SERVICE_NAME: args.name,
    OTEL_EXPORTER_OTLP_ENDPOINT: args.otlpEndpoint,
    SHUTDOWN_DELAY_SECONDS: String(args.config.shutdownDelaySeconds),
    SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
    ...args.credentialsEnv,
  };
}
