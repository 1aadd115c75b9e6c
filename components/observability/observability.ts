import * as pulumi from "@pulumi/pulumi";
import { Alertmanager, alertmanagerTargets } from "./alertmanager";
import { type ObservabilityComponentArgs, systemArgs } from "./componentArgs";
import { platformDashboards } from "./dashboards";
import { Grafana, grafanaFlows } from "./grafana";
import { Jaeger } from "./jaeger";
import { declareLogPipeline } from "./logPipeline";
import { Prometheus } from "./prometheus";

const OBSERVABILITY_TYPE = "blueprint:observability:Observability";
/**
 * Stacks deployed by earlier versions of the program hold this component's children under the type
 * `blueprint:observability:Platform`; the alias lets them adopt every child in place instead of replacing the
 * whole path.
 */
const OBSERVABILITY_ALIAS_TYPES = ["blueprint:observability:Platform"];

/**
 * The whole observability path (docs/architecture.md): traces, metrics and logs as one component, so the
 * Platform adds it with one line and every system shares the same names, namespaces and sizing.
 */
export class Observability extends pulumi.ComponentResource {
  readonly collectorEndpoint: string;

  constructor(name: string, args: ObservabilityComponentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const aliases = [...(opts.aliases ?? []), ...OBSERVABILITY_ALIAS_TYPES.map((type) => ({ type }))];
    super(OBSERVABILITY_TYPE, name, {}, { ...opts, aliases });
    // Each system below is one child component: `new X("x", args, { parent: this })`.

    // Traces, metrics and alerts.
    const { endpoints } = args;
    new Jaeger("jaeger", systemArgs(args, "jaeger"), { parent: this });
    new Prometheus(
      "prometheus",
      {
        ...systemArgs(args, "prometheus"),
        environment: args.environment,
        appWorkloads: args.appWorkloads,
        alertmanagers: alertmanagerTargets(endpoints.alertmanager, args.config.alertmanager.replicas),
        targets: { alertmanager: endpoints.alertmanager, vectorAgent: endpoints.vectorAgent, vectorAggregator: endpoints.vectorAggregator },
      },
      { parent: this },
    );
    new Alertmanager("alertmanager", { ...systemArgs(args, "alertmanager"), prometheus: endpoints.prometheus }, { parent: this });

    // The log pipeline: Kafka, Elasticsearch, Kibana, the Vector agent and aggregator. One call, because the
    // five depend on each other in a fixed order (topic, users, then writers).
    const logPipeline = declareLogPipeline(args, this);

    // Dashboards on all of it. Every stack runs the log pipeline today; the flag keeps Grafana's Elasticsearch
    // datasource, its flow and the log dashboards tied to it.
    if (args.config.grafana.enabled) {
      const logs = logPipeline !== undefined;
      new Grafana(
        "grafana",
        {
          ...systemArgs(args, "grafana"),
          datasources: { endpoints, logs },
          dashboards: platformDashboards({ logs }),
          flows: grafanaFlows({ endpoints, uiAllowFrom: args.config.grafana.uiAllowFrom, logs }),
          // Grafana's Elasticsearch user exists once the setup Job has run.
          dependsOn: logs ? [logPipeline.elasticsearch.setupJob] : [],
        },
        { parent: this },
      );
    }

    this.collectorEndpoint = args.endpoints.jaeger.otlpHttpEndpoint;
    this.registerOutputs({ collectorEndpoint: this.collectorEndpoint });
  }
}
