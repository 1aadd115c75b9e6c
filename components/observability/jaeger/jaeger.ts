import * as pulumi from "@pulumi/pulumi";
import { declareFlowPolicy, type Flow } from "../../k8s/network";
import { singleReplicaExemptions } from "../../k8s/lintExemptions";
import { DEFAULT_RUN_AS, type ProbeTiming, type RunAs, httpProbe, secureContainer, securePodSpec, tcpProbe, volumeClaimTemplate } from "../../k8s/podSpec";
import type { ObservabilityComponentArgs } from "../componentArgs";
import { ENROLLED_WORKLOADS } from "../enrolment";
import { BADGER_DATA_DIR, JAEGER_HEALTH, type JaegerStorage, jaegerConfigYaml } from "./jaegerConfig";
import { declareClusterIpService, declareConfigMap, declareDeployment, declarePdb, declareServiceAccount, declareStatefulSet, servicePort } from "../../k8s/controllers";
import { configMapMount } from "../../k8s/mounts";
import { type WorkloadIdentity, checksumOf } from "../../k8s/objectMeta";
import { withResourceErrors } from "../../resourceErrors";

// The Jaeger v2 image (an OpenTelemetry Collector distribution); its USER is 10001, numeric already.
export const JAEGER_IMAGE = "jaegertracing/jaeger:2.19.0";
const JAEGER_RUN_AS: RunAs = DEFAULT_RUN_AS;
const JAEGER_QUERY_SERVICE = "jaeger-query";
const CONFIG_DIR = "/etc/jaeger";
const CONFIG_FILE = "config.yaml";
// Staging keeps the newest traces in memory, bounded so the pod stays under its memory limit.
const MEMORY_MAX_TRACES = 50_000;
// Production keeps a week of traces on the volume, like the log pipeline's Kafka retention.
const BADGER_SPAN_TTL = "168h";

const JAEGER_PROBES = {
  startup: { initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 },
  liveness: { initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 3 },
  readiness: { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
} satisfies Record<string, ProbeTiming>;

function jaegerStorage(storage: "memory" | "badger"): JaegerStorage {
  return storage === "memory" ? { kind: "memory", maxTraces: MEMORY_MAX_TRACES } : { kind: "badger", spanTtl: BADGER_SPAN_TTL };
}

/**
 * Who may reach Jaeger: every enrolled pod in an enrolled namespace on OTLP (services of other projects
 * included; whether a pod really sends is its own egress policy's call), and the configured UI clients.
 */
function jaegerIngressFlows(args: Pick<ObservabilityComponentArgs, "endpoints" | "config">): Flow[] {
  const { otlpGrpcPort, otlpHttpPort, uiPort } = args.endpoints.jaeger;
  return [
    { peer: ENROLLED_WORKLOADS, ports: [{ port: otlpGrpcPort }, { port: otlpHttpPort }] },
    ...args.config.jaeger.uiAllowFrom.map((peer) => ({ peer, ports: [{ port: uiPort }] })),
  ];
}

/**
 * Jaeger v2: OTLP collector, storage and UI in one process. Staging stores traces in memory (lost on
 * restart); production stores them in Badger on a persistent volume, in a StatefulSet.
 */
export class Jaeger extends pulumi.ComponentResource {
  readonly collectorServiceName: string;

  constructor(name: string, args: ObservabilityComponentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:Jaeger", name, {}, opts);
    const parent = { parent: this };
    const endpoint = args.endpoints.jaeger;
    const config = args.config.jaeger;
    const identity: WorkloadIdentity = { name: "jaeger", component: "tracing", namespace: args.namespaces.observability };
    const storage = jaegerStorage(config.storage);
    const configData = { [CONFIG_FILE]: jaegerConfigYaml(endpoint, storage) };
    const configMap = declareConfigMap(identity, "jaeger-config", configData, { ...parent, resourceName: "jaeger-config-configmap" });
    const configFiles = configMapMount("config", configMap.metadata.name, CONFIG_DIR);

    const persistent = storage.kind === "badger";
    const container = withResourceErrors(this, () => secureContainer({
      name: "jaeger",
      image: JAEGER_IMAGE,
      runAs: JAEGER_RUN_AS,
      resources: config.resources,
      args: [`--config=${CONFIG_DIR}/${CONFIG_FILE}`],
      ports: [
        { name: "otlp-grpc", containerPort: endpoint.otlpGrpcPort, protocol: "TCP" },
        { name: "otlp-http", containerPort: endpoint.otlpHttpPort, protocol: "TCP" },
        { name: "ui", containerPort: endpoint.uiPort, protocol: "TCP" },
        { name: "health", containerPort: JAEGER_HEALTH.port, protocol: "TCP" },
      ],
      probes: {
        startup: httpProbe(JAEGER_HEALTH.path, "health", JAEGER_PROBES.startup),
        // /status turns 503 while a pipeline component is failing (e.g. storage): that takes the pod out of
        // the Service; only a process that stops answering at all is restarted.
        liveness: tcpProbe("health", JAEGER_PROBES.liveness),
        readiness: httpProbe(JAEGER_HEALTH.path, "health", JAEGER_PROBES.readiness),
      },
      // The data volume comes from the StatefulSet's claim template, not from a pod volume.
      volumeMounts: [configFiles.volumeMount, ...(persistent ? [{ name: "data", mountPath: BADGER_DATA_DIR }] : [])],
    }));
    const podSpec = securePodSpec({ containers: [container], runAs: JAEGER_RUN_AS, serviceAccountName: "jaeger", volumes: [configFiles.volume] });
    declareServiceAccount(identity, this);
    const workload = { identity, replicas: config.replicas, podSpec, podAnnotations: { "checksum/config": checksumOf(configData) } };
    const workloadOpts = { ...parent, dependsOn: [configMap] };
    if (persistent) {
      declareStatefulSet({ ...workload, podManagementPolicy: "OrderedReady", volumeClaimTemplates: [volumeClaimTemplate("data", config.volumeSize)] }, workloadOpts);
    } else {
      declareDeployment({ ...workload, lintExemptions: singleReplicaExemptions(config.replicas) }, workloadOpts);
    }
    if (persistent || config.replicas > 1) declarePdb(identity, this);

    declareClusterIpService(
      identity,
      [
        { ...servicePort("otlp-grpc", endpoint.otlpGrpcPort), appProtocol: "grpc" },
        { ...servicePort("otlp-http", endpoint.otlpHttpPort), appProtocol: "http" },
      ],
      this,
      endpoint.serviceName,
    );
    declareClusterIpService(identity, [servicePort("ui", endpoint.uiPort)], this, JAEGER_QUERY_SERVICE);

    declareFlowPolicy(identity, { pods: endpoint, ingress: jaegerIngressFlows(args), egress: [] }, this);
    this.collectorServiceName = endpoint.serviceName;
    this.registerOutputs({ collectorServiceName: this.collectorServiceName });
  }
}
