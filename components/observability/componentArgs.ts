import type * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../configSchema";
import type { AppWorkload, PlatformEndpoints } from "../platformEndpoints";
import type { ObservabilityConfig } from "./configSchema";

/** What the Observability component receives from the Platform; it hands each system only its own part. */
export interface ObservabilityComponentArgs {
  environment: Environment;
  config: ObservabilityConfig;
  endpoints: PlatformEndpoints;
  /** Namespace names as outputs, so every object waits for its namespace to exist. */
  namespaces: { observability: pulumi.Input<string>; logAgent: pulumi.Input<string> };
  /** The configured services' pods: who sends traces, and what Prometheus scrapes. */
  appWorkloads: AppWorkload[];
}

/** The systems the Observability component declares: each has a config section and an endpoint of one name. */
export type SystemName = keyof PlatformEndpoints & Exclude<keyof ObservabilityConfig, "enabled">;

/** What one system's component receives: its own config section, its own endpoint, the namespace it runs in. */
export interface SystemArgs<K extends SystemName> {
  config: ObservabilityConfig[K];
  endpoint: PlatformEndpoints[K];
  namespace: pulumi.Input<string>;
}

/** One system's part of the Observability component's args. */
export function systemArgs<K extends SystemName>(args: ObservabilityComponentArgs, system: K, namespace: pulumi.Input<string> = args.namespaces.observability): SystemArgs<K> {
  return { config: args.config[system], endpoint: args.endpoints[system], namespace };
}
