import type * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../configSchema";
import type { AppWorkload, PlatformEndpoints } from "../platformEndpoints";
import type { ObservabilityConfig } from "./configSchema";

/** What every observability component receives from the Observability component; each picks what it needs. */
export interface ObservabilityComponentArgs {
  environment: Environment;
  config: ObservabilityConfig;
  endpoints: PlatformEndpoints;
  /** Namespace names as outputs, so every object waits for its namespace to exist. */
  namespaces: { observability: pulumi.Input<string>; logAgent: pulumi.Input<string> };
  /** The configured services' pods: who sends traces, and what Prometheus scrapes. */
  appWorkloads: AppWorkload[];
}
