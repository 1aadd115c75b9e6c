import * as pulumi from "@pulumi/pulumi";
import type { ResourcesConfig } from "./configPrimitives";
import type { PodPeer } from "./k8s/network";
import { parseQuantity } from "./k8s/quantity";
import { resolveObjectives, type Objective, type ObjectivesConfig } from "./objectives";
import { placement, servicePlacement } from "./placement";
import { headlessServiceName } from "./k8s/controllers";
import { scrapeTarget } from "./service/manifests";
import { selectorLabels } from "./k8s/labels";

/**
 * A platform system's pods by plain namespace name: the observability systems write these names into
 * their config files and certificates, so inside the platform's own stack they must be known strings.
 */
export type PlatformPods = PodPeer & { namespace: string };

/**
 * Where the shared platform's services live. Computed once from the namespaces in config, so the service
 * wiring (env, NetworkPolicies) and the observability components agree without typing a name twice.
 */
export interface PlatformEndpoints {
  /** queryServiceName: the Service of the UI and its HTTP API (uiPort), which Grafana queries. */
  jaeger: PlatformPods & { serviceName: string; queryServiceName: string; otlpGrpcPort: number; otlpHttpPort: number; uiPort: number; otlpHttpEndpoint: string };
  prometheus: PlatformPods & { serviceName: string; port: number };
  /** clusterPort: the replicas gossip (silences, notification log) over TCP and UDP. */
  alertmanager: PlatformPods & { serviceName: string; headlessServiceName: string; port: number; clusterPort: number };
  kafka: PlatformPods & { serviceName: string; headlessServiceName: string; port: number; controllerPort: number; bootstrap: string; topic: string };
  elasticsearch: PlatformPods & { serviceName: string; port: number; transportPort: number; url: string };
  kibana: PlatformPods & { serviceName: string; port: number };
  grafana: PlatformPods & { serviceName: string; port: number };
  /** metricsPort: Vector's prometheus_exporter sink, scraped for the log-pipeline alerts (annotate the pods). */
  vectorAgent: PlatformPods & { metricsPort: number };
  vectorAggregator: PlatformPods & { metricsPort: number };
}

/** A configured service's pods as the platform sees them: a trace sender and a scrape target. */
export interface AppWorkload extends PlatformPods {
  name: string;
  /** The container port serving /metrics (the prometheus.io/port annotation). */
  metricsPort: number;
  sendsTraces: boolean;
  /** The container limits, so the CPU and memory alerts measure usage against them. */
  limits: { cpuCores: number; memoryBytes: number };
  /** Its service level objectives, resolved against the platform's defaults (none: threshold alerts instead). */
  objectives: Objective[];
}

type ScrapedService = Parameters<typeof scrapeTarget>[0];

/** Each configured service Prometheus scrapes, as the platform sees it, placed by the same rule as its deployment. */
export function appWorkloads(
  services: Record<string, ScrapedService & { namespace?: string; otel: boolean; resources: ResourcesConfig; objectives?: ObjectivesConfig }>,
  appsNamespace: string,
  defaultObjectives: ObjectivesConfig = {},
): AppWorkload[] {
  // A service Prometheus does not scrape has no series to alert on: its rules would only say it is down.
  const scraped = Object.entries(services).flatMap(([name, service]) => {
    const target = scrapeTarget(service);
    return target === undefined ? [] : [{ name, service, metricsPort: target.port }];
  });
  return scraped.map(({ name, service, metricsPort }) => ({
    name,
    ...servicePlacement(name, service, appsNamespace),
    metricsPort,
    sendsTraces: service.otel,
    limits: { cpuCores: parseQuantity(service.resources.limits.cpu), memoryBytes: parseQuantity(service.resources.limits.memory) },
    objectives: resolveObjectives(defaultObjectives, service.objectives),
  }));
}

const KAFKA_PORT = 9092;
const ELASTICSEARCH_PORT = 9200;
// The default port of Vector's prometheus_exporter sink.
const VECTOR_METRICS_PORT = 9598;

export function clusterHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

/** The pods of a StatefulSet, in ordinal order: `<name>-0` … `<name>-<replicas - 1>`. */
export function statefulPodNames(name: string, replicas: number): string[] {
  return Array.from({ length: replicas }, (_, ordinal) => `${name}-${ordinal}`);
}

/** A StatefulSet pod's stable DNS name, published by its headless Service: `<pod>.<headless>.<ns>.svc.cluster.local`. */
export function statefulPodHost(pod: string, headlessService: string, namespace: string): string {
  return `${pod}.${clusterHost(headlessService, namespace)}`;
}

/** Each replica of a StatefulSet by its stable DNS name and a port. */
export function statefulPodAddresses(name: string, headlessService: string, namespace: string, replicas: number, port: number): string[] {
  return statefulPodNames(name, replicas).map((pod) => `${statefulPodHost(pod, headlessService, namespace)}:${port}`);
}

const JAEGER_COLLECTOR = "jaeger-collector";
const OTLP_PORTS = { otlpGrpcPort: 4317, otlpHttpPort: 4318 };

function otlpHttpEndpoint(observabilityNamespace: string): string {
  return `http://${clusterHost(JAEGER_COLLECTOR, observabilityNamespace)}:${OTLP_PORTS.otlpHttpPort}`;
}

export function platformEndpoints(namespaces: { observability: string; logAgent: string }): PlatformEndpoints {
  const obs = namespaces.observability;
  return {
    jaeger: {
      ...placement("jaeger", obs),
      serviceName: JAEGER_COLLECTOR,
      queryServiceName: "jaeger-query",
      ...OTLP_PORTS,
      uiPort: 16686,
      otlpHttpEndpoint: otlpHttpEndpoint(obs),
    },
    prometheus: { ...placement("prometheus", obs), serviceName: "prometheus", port: 9090 },
    alertmanager: { ...placement("alertmanager", obs), serviceName: "alertmanager", headlessServiceName: headlessServiceName("alertmanager"), port: 9093, clusterPort: 9094 },
    kafka: {
      ...placement("kafka", obs),
      serviceName: "kafka",
      headlessServiceName: headlessServiceName("kafka"),
      port: KAFKA_PORT,
      controllerPort: 9093,
      bootstrap: `${clusterHost("kafka", obs)}:${KAFKA_PORT}`,
      topic: "app-logs",
    },
    elasticsearch: {
      ...placement("elasticsearch", obs),
      serviceName: "elasticsearch",
      port: ELASTICSEARCH_PORT,
      transportPort: 9300,
      url: `https://${clusterHost("elasticsearch", obs)}:${ELASTICSEARCH_PORT}`,
    },
    kibana: { ...placement("kibana", obs), serviceName: "kibana", port: 5601 },
    grafana: { ...placement("grafana", obs), serviceName: "grafana", port: 3000 },
    vectorAgent: { ...placement("vector-agent", namespaces.logAgent), metricsPort: VECTOR_METRICS_PORT },
    vectorAggregator: { ...placement("vector-aggregator", obs), metricsPort: VECTOR_METRICS_PORT },
  };
}

/**
 * What a service needs of the platform: where to send traces, and who scrapes it. A consumer's stack knows
 * the platform's namespaces only as a StackReference Output, so namespace and endpoint here are Inputs;
 * `PlatformEndpoints` is one of these too.
 */
export interface ServicePlatformEndpoints {
  jaeger: PodPeer & { otlpGrpcPort: number; otlpHttpPort: number; otlpHttpEndpoint: pulumi.Input<string> };
  prometheus: PodPeer;
}

/** The same names as `platformEndpoints`, from namespaces that may be another stack's Output. */
export function servicePlatformEndpoints(namespaces: pulumi.Input<{ observability: string }>): ServicePlatformEndpoints {
  const observability = pulumi.output(namespaces).apply((names) => names.observability);
  return {
    jaeger: { namespace: observability, podLabels: selectorLabels("jaeger"), ...OTLP_PORTS, otlpHttpEndpoint: observability.apply(otlpHttpEndpoint) },
    prometheus: { namespace: observability, podLabels: selectorLabels("prometheus") },
  };
}
