import type * as pulumi from "@pulumi/pulumi";
import type { Environment, ServiceConfig } from "../configSchema";
import type { CredentialRef } from "./workloadSchema";

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
  /** The Items API's VAULT_* (or API_KEY_FILE) variables: set only with conventions: blueprint. */
  credentialsEnv: Record<string, pulumi.Input<string>>;
  /** What an `env` entry's `credential` names: file paths and addresses, never a secret's value. */
  credentialRefs: Partial<Record<CredentialRef, pulumi.Input<string>>>;
}

/**
 * The platform's service conventions (docs/service.md), which the Items API implements: APP_*, LOG_*,
 * OTEL_*, SHUTDOWN_* and its VAULT_* contract. APP_VERSION is not here: it follows the image, so it is set on
 * the container next to it, and a new image changes only the Deployment (the provider replaces a ConfigMap
 * whose data changes).
 */
function blueprintEnv(args: ServiceEnvArgs): Record<string, pulumi.Input<string>> {
  return {
    APP_NAME: args.name,
    APP_ENV: appEnvironment(args.environment),
    APP_PORT: String(args.config.port),
    DOCS_ENABLED: String(args.config.docs ?? false),
    LOG_LEVEL: args.config.logLevel ?? "info",
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

/**
 * Any other image gets the OpenTelemetry SDKs' standard variables (every SDK reads them) when it sends
 * traces: the platform's collector over OTLP/HTTP, the service's name, the sampling ratio; and its
 * environment and deployment as resource attributes, so its spans say where they came from.
 */
function standardEnv(args: ServiceEnvArgs): Record<string, pulumi.Input<string>> {
  if (!args.config.otel) return { OTEL_SDK_DISABLED: "true" };
  return {
    OTEL_SERVICE_NAME: args.name,
    OTEL_EXPORTER_OTLP_ENDPOINT: args.otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: String(args.config.traceSampleRatio),
    OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=${args.environment}`,
  };
}

/**
 * The non-secret env of the service, delivered as a ConfigMap: its conventions' variables, then the entry's
 * own `env` (literals, and credentials by reference: a file's path or an address). An entry may not redefine
 * a variable the platform sets: which of two values the service reads would depend on the order here.
 */
export function serviceEnv(args: ServiceEnvArgs): Record<string, pulumi.Input<string>> {
  const platform = args.config.conventions === "blueprint" ? blueprintEnv(args) : standardEnv(args);
  const own: Record<string, pulumi.Input<string>> = {};
  for (const [key, value] of Object.entries(args.config.env)) {
    if (key in platform) throw new Error(`services.${args.name}.env.${key}: is set by the platform (conventions: ${args.config.conventions}); drop it from env`);
    if (typeof value === "string") {
      own[key] = value;
      continue;
    }
    const ref = args.credentialRefs[value.credential];
    if (ref === undefined) {
      const why = value.credential === "apiKeyFile" ? "exists only with vault.enabled: false" : value.credential === "vaultCaFile" ? "exists only when vault.caCert is set" : "exists only with vault.enabled: true";
      throw new Error(`services.${args.name}.env.${key}: the credential '${value.credential}' ${why}`);
    }
    own[key] = ref;
  }
  return { ...platform, ...own };
}
