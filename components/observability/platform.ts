import * as pulumi from "@pulumi/pulumi";
import type { ObservabilityComponentArgs } from "./componentArgs";
import { Alertmanager } from "./alertmanager";
import { Jaeger } from "./jaeger";
import { declareLogPipeline } from "./logPipeline";
import { Prometheus } from "./prometheus";

export type ObservabilityPlatformArgs = ObservabilityComponentArgs;

/**
 * The whole observability path of DESIGN §2 — traces, metrics and logs — as one component, so the
 * Platform adds it with one line and every system shares the same names, namespaces and sizing.
 */
export class ObservabilityPlatform extends pulumi.ComponentResource {
  readonly collectorEndpoint: string;

  constructor(name: string, args: ObservabilityPlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:Platform", name, {}, opts);
    // Each system below is one child component: `new X("x", args, { parent: this })`.

    // ── Traces and metrics (Observability A): Jaeger, Prometheus ──
    new Jaeger("jaeger", args, { parent: this });
    new Prometheus("prometheus", args, { parent: this });
    new Alertmanager("alertmanager", args, { parent: this });

    // ── Log pipeline (Observability B): Kafka, Elasticsearch, Kibana, Vector agent and aggregator ──
    // One call, because the five depend on each other in a fixed order (topic, users, then writers).
    declareLogPipeline(args, this);

    this.collectorEndpoint = args.endpoints.jaeger.otlpHttpEndpoint;
    this.registerOutputs({ collectorEndpoint: this.collectorEndpoint });
  }
}
