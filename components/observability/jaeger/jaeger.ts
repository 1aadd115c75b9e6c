import * as pulumi from "@pulumi/pulumi";
import { JAEGER_IMAGE } from "../../images";
import { declareConfigMap, servicePort } from "../../k8s/controllers";
import { ENROLLED_WORKLOADS } from "../../k8s/enrolment";
import { singleReplicaExemptions } from "../../k8s/lintExemptions";
import { claimMount, configMapMount } from "../../k8s/mounts";
import type { Flow } from "../../k8s/network";
import { type WorkloadIdentity, checksumOf } from "../../k8s/objectMeta";
import { DEFAULT_RUN_AS, type RunAs } from "../../k8s/podSpec";
import { PROBE_TIMINGS, httpProbe, tcpProbe } from "../../k8s/probes";
import { declareWorkload } from "../../k8s/workload";
import type { SystemArgs } from "../componentArgs";
import { BADGER_DATA_DIR, JAEGER_HEALTH, type JaegerStorage, jaegerConfigYaml } from "./jaegerConfig";

// The Jaeger v2 image (an OpenTelemetry Collector distribution); its USER is 10001, numeric already.
const JAEGER_RUN_AS: RunAs = DEFAULT_RUN_AS;
const CONFIG_DIR = "/etc/jaeger";
const CONFIG_FILE = "config.yaml";
// Staging keeps the newest traces in memory, bounded so the pod stays under its memory limit.
const MEMORY_MAX_TRACES = 50_000;
// Production keeps a week of traces on the volume, like the log pipeline's Kafka retention.
const BADGER_SPAN_TTL = "168h";

function jaegerStorage(storage: "memory" | "badger"): JaegerStorage {
  return storage === "memory" ? { kind: "memory", maxTraces: MEMORY_MAX_TRACES } : { kind: "badger", spanTtl: BADGER_SPAN_TTL };
}

/**
 * Who may reach Jaeger: every enrolled pod in an enrolled namespace on OTLP (services of other projects
 * included; whether a pod really sends is its own egress policy's call), and the configured UI clients.
 */
function jaegerIngressFlows(args: SystemArgs<"jaeger">): Flow[] {
  const { otlpGrpcPort, otlpHttpPort, uiPort } = args.endpoint;
  return [
    { peer: ENROLLED_WORKLOADS, ports: [{ port: otlpGrpcPort }, { port: otlpHttpPort }] },
    ...args.config.uiAllowFrom.map((peer) => ({ peer, ports: [{ port: uiPort }] })),
  ];
}

/**
 * Jaeger v2: OTLP collector, storage and UI in one process. Staging stores traces in memory (lost on
 * restart); production stores them in Badger on a persistent volume, in a StatefulSet.
 */
export class Jaeger extends pulumi.ComponentResource {
  readonly collectorServiceName: string;

  constructor(name: string, args: SystemArgs<"jaeger">, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:Jaeger", name, {}, opts);
    const { endpoint, config } = args;
    const identity: WorkloadIdentity = { name: "jaeger", component: "tracing", namespace: args.namespace };
    const storage = jaegerStorage(config.storage);
    const configData = { [CONFIG_FILE]: jaegerConfigYaml(endpoint, storage) };
    const configMap = declareConfigMap(identity, "jaeger-config", configData, { parent: this, resourceName: "jaeger-config-configmap" });

    const persistent = storage.kind === "badger";
    declareWorkload({
      identity,
      parent: this,
      controller: persistent ? { kind: "StatefulSet", replicas: config.replicas, podManagementPolicy: "OrderedReady" } : { kind: "Deployment", replicas: config.replicas },
      runAs: JAEGER_RUN_AS,
      placement: "none",
      containers: [
        {
          name: "jaeger",
          image: JAEGER_IMAGE,
          resources: config.resources,
          args: [`--config=${CONFIG_DIR}/${CONFIG_FILE}`],
          ports: [
            { name: "otlp-grpc", containerPort: endpoint.otlpGrpcPort, protocol: "TCP" },
            { name: "otlp-http", containerPort: endpoint.otlpHttpPort, protocol: "TCP" },
            { name: "ui", containerPort: endpoint.uiPort, protocol: "TCP" },
            { name: "health", containerPort: JAEGER_HEALTH.port, protocol: "TCP" },
          ],
          probes: {
            startup: httpProbe(JAEGER_HEALTH.path, "health", PROBE_TIMINGS.startup.native),
            // /status turns 503 while a pipeline component is failing (e.g. storage): that takes the pod out of
            // the Service; only a process that stops answering at all is restarted.
            liveness: tcpProbe("health", PROBE_TIMINGS.liveness.native),
            readiness: httpProbe(JAEGER_HEALTH.path, "health", PROBE_TIMINGS.readiness.native),
          },
          mounts: [configMapMount("config", configMap.metadata.name, CONFIG_DIR), ...(persistent ? [claimMount("data", config.volumeSize, BADGER_DATA_DIR)] : [])],
        },
      ],
      template: { checksums: { config: checksumOf(configData) } },
      lintExemptions: persistent ? [] : singleReplicaExemptions(config.replicas),
      // A PDB means something for data or for more than one pod; a single in-memory pod is simply restarted.
      pdb: persistent || config.replicas > 1,
      services: [
        {
          name: endpoint.serviceName,
          ports: [
            { ...servicePort("otlp-grpc", endpoint.otlpGrpcPort), appProtocol: "grpc" },
            { ...servicePort("otlp-http", endpoint.otlpHttpPort), appProtocol: "http" },
          ],
        },
        { name: endpoint.queryServiceName, ports: [servicePort("ui", endpoint.uiPort)] },
      ],
      flows: { pods: endpoint, ingress: jaegerIngressFlows(args), egress: [] },
      dependsOn: [configMap],
    });
    this.collectorServiceName = endpoint.serviceName;
    this.registerOutputs({ collectorServiceName: this.collectorServiceName });
  }
}
