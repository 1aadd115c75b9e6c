import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_RELOADER_IMAGE, PROMETHEUS_IMAGE } from "../../images";
import { declareConfigMap, servicePort } from "../../k8s/controllers";
import { ENROLLED_WORKLOADS, SCRAPE_PORT_NAMES } from "../../k8s/enrolment";
import { clusterScopedName } from "../../k8s/labels";
import { exemptConcern } from "../../k8s/lintExemptions";
import { type Mount, claimMount, configMapMount } from "../../k8s/mounts";
import type { Flow } from "../../k8s/network";
import type { WorkloadIdentity } from "../../k8s/objectMeta";
import type { RunAs, SecureContainerArgs } from "../../k8s/podSpec";
import { PROBE_TIMINGS, httpProbe, tcpProbe } from "../../k8s/probes";
import { parseQuantity } from "../../k8s/quantity";
import { declareClusterRoleForWorkload } from "../../k8s/rbac";
import { declareWorkload } from "../../k8s/workload";
import type { SystemArgs } from "../componentArgs";
import type { AppWorkload, PlatformEndpoints } from "../../platformEndpoints";
import type { Environment } from "../../configSchema";
import type { ObservabilityConfig } from "../configSchema";
import { KUBE_STATE_METRICS_PORTS, KubeStateMetrics, kubeStateMetricsPods, kubeStateMetricsTarget } from "../kube-state-metrics";
import { alertRulesYaml } from "./alertRules";
import { CONFIG_DIR, CONFIG_FILE, RULES_DIR, RULES_FILE, prometheusConfigYaml } from "./prometheusConfig";

type PrometheusConfig = ObservabilityConfig["prometheus"];

// The image's user is `nobody`: non-numeric, so runAsNonRoot cannot verify it unless the IDs are explicit.
const PROMETHEUS_RUN_AS: RunAs = { uid: 65534, gid: 65534, fsGroup: 65534 };
const PROMETHEUS_DATA_DIR = "/prometheus";
// Size-based retention keeps a margin below the volume, so a burst of series cannot fill the disk.
const RETENTION_SIZE_SHARE = 0.8;

// Watches the mounted config and rules and calls /-/reload when the kubelet swaps in a new ConfigMap, so a
// config or rule change never restarts Prometheus (a restart replays the WAL: minutes without alerts).
const RELOADER_PORT = 8080;
const RELOADER_RESOURCES = {
  requests: { cpu: "10m", memory: "32Mi", ephemeralStorage: "16Mi" },
  limits: { cpu: "100m", memory: "64Mi", ephemeralStorage: "64Mi" },
};

export interface PrometheusArgs extends SystemArgs<"prometheus"> {
  environment: Environment;
  /** The configured services: their recording rules and alerts. */
  appWorkloads: AppWorkload[];
  /** Where alerts go: every Alertmanager replica's address. */
  alertmanagers: string[];
  /** The platform's own scrape targets and the Alertmanager replicas, for the egress policy. */
  targets: Pick<PlatformEndpoints, "alertmanager" | "vectorAgent" | "vectorAggregator">;
}

/**
 * Where Prometheus may connect: every enrolled pod (in an enrolled namespace) on its named metrics port, the
 * Vector pods on theirs, the Alertmanager replicas, and the API server for discovery. No list of services:
 * another project's service is admitted by its labels.
 */
export function prometheusEgressFlows(args: Pick<PrometheusArgs, "targets" | "config" | "endpoint">): Flow[] {
  const { vectorAgent, vectorAggregator, alertmanager } = args.targets;
  const targets: Flow[] = [
    { peer: ENROLLED_WORKLOADS, ports: SCRAPE_PORT_NAMES.map((port) => ({ port })) },
    ...[vectorAgent, vectorAggregator].map(({ namespace, podLabels, metricsPort }) => ({ peer: { namespace, podLabels }, ports: [{ port: metricsPort }] })),
    { peer: { namespace: alertmanager.namespace, podLabels: alertmanager.podLabels }, ports: [{ port: alertmanager.port }] },
    { peer: kubeStateMetricsPods(args.endpoint.namespace), ports: [{ port: KUBE_STATE_METRICS_PORTS.metrics }] },
  ];
  const { cidrs, ports } = args.config.apiServer;
  // The kubelets listen on the nodes' addresses, outside the pod network: admitted by the configured ranges.
  const kubelet = args.config.kubelet;
  const kubelets = kubelet ? kubelet.cidrs.map((cidr) => ({ peer: { cidr }, ports: [{ port: kubelet.port }] })) : [];
  return [...targets, ...cidrs.map((cidr) => ({ peer: { cidr }, ports: ports.map((port) => ({ port })) })), ...kubelets];
}

function prometheusIngressFlows(args: PrometheusArgs): Flow[] {
  return args.config.uiAllowFrom.map((peer) => ({ peer, ports: [{ port: args.endpoint.port }] }));
}

/** Prometheus' size units are powers of 1024, so "MB" here is a MiB. */
function retentionSize(volumeSize: string): string {
  return `${Math.floor((parseQuantity(volumeSize) * RETENTION_SIZE_SHARE) / 2 ** 20)}MB`;
}

/**
 * What `role: pod` discovery calls: list and watch pods. Cluster-wide, because enrolled services live in
 * namespaces the platform does not know (a namespaced Role per namespace would bring the list back). With the
 * kubelets scraped, `role: node` discovery's list and watch of nodes, and `get nodes/metrics`, which the
 * kubelet checks before it serves /metrics/cadvisor. No services, endpoints or endpointslices, and no
 * nodes/proxy (it reaches the kubelet's exec too).
 */
export function discoveryRules(scrapesKubelets: boolean): k8s.types.input.rbac.v1.PolicyRule[] {
  const pods = { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] };
  if (!scrapesKubelets) return [pods];
  return [pods, { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] }, { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] }];
}

function prometheusContainer(config: PrometheusConfig, port: number, mounts: Mount[]): SecureContainerArgs {
  return {
    name: "prometheus",
    image: PROMETHEUS_IMAGE,
    resources: config.resources,
    args: [
      `--config.file=${CONFIG_DIR}/${CONFIG_FILE}`,
      `--storage.tsdb.path=${PROMETHEUS_DATA_DIR}`,
      `--storage.tsdb.retention.time=${config.retention}`,
      `--storage.tsdb.retention.size=${retentionSize(config.volumeSize)}`,
      `--web.listen-address=0.0.0.0:${port}`,
      // /-/reload for the config reloader; the port is reachable only from the pod itself and the UI clients.
      "--web.enable-lifecycle",
    ],
    ports: [{ name: "web", containerPort: port, protocol: "TCP" }],
    probes: {
      // Replaying the WAL after a restart can take minutes on a large volume.
      startup: httpProbe("/-/ready", "web", PROBE_TIMINGS.startup.walReplay),
      liveness: httpProbe("/-/healthy", "web", PROBE_TIMINGS.liveness.native),
      readiness: httpProbe("/-/ready", "web", PROBE_TIMINGS.readiness.native),
    },
    mounts,
  };
}

function reloaderContainer(prometheusPort: number, mounts: Mount[]): SecureContainerArgs {
  return {
    name: "config-reloader",
    image: CONFIG_RELOADER_IMAGE,
    resources: RELOADER_RESOURCES,
    args: [`--listen-address=:${RELOADER_PORT}`, `--reload-url=http://127.0.0.1:${prometheusPort}/-/reload`, `--watched-dir=${CONFIG_DIR}`, `--watched-dir=${RULES_DIR}`],
    ports: [{ name: "reloader", containerPort: RELOADER_PORT, protocol: "TCP" }],
    probes: { liveness: tcpProbe("reloader", PROBE_TIMINGS.liveness.native), readiness: httpProbe("/metrics", "reloader", PROBE_TIMINGS.readiness.native) },
    mounts,
  };
}

/**
 * Prometheus: discovers annotated pods, evaluates the runbook's alert rules, and keeps its TSDB on a
 * persistent volume with time- and size-based retention.
 */
export class Prometheus extends pulumi.ComponentResource {
  constructor(name: string, args: PrometheusArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:Prometheus", name, {}, opts);
    const { endpoint, config } = args;
    const identity: WorkloadIdentity = { name: "prometheus", component: "metrics", namespace: args.namespace };
    const scrapesKubelets = config.kubelet !== undefined;
    const configData = {
      [CONFIG_FILE]: prometheusConfigYaml({
        environment: args.environment,
        port: endpoint.port,
        alertmanagers: args.alertmanagers,
        kubeStateMetrics: kubeStateMetricsTarget(endpoint.namespace),
        scrapesKubelets,
      }),
    };
    const rulesData = { [RULES_FILE]: alertRulesYaml(args.appWorkloads, config.runbookBaseUrl) };
    const configMap = declareConfigMap(identity, "prometheus-config", configData, { parent: this, resourceName: "prometheus-config-configmap" });
    const rulesMap = declareConfigMap(identity, "prometheus-rules", rulesData, {
      parent: this,
      resourceName: "prometheus-rules-configmap",
      whenTooLarge: `the rules of ${args.appWorkloads.length} services do not fit; each service with both objectives adds about 18 kB (docs/slos.md, "How many services"): split the services over more stacks, or turn off objectives they do not need`,
    });
    // Mounted in both containers: the reloader watches what Prometheus reads.
    const configFiles = configMapMount("config", configMap.metadata.name, CONFIG_DIR);
    const ruleFiles = configMapMount("rules", rulesMap.metadata.name, RULES_DIR);
    declareWorkload({
      identity,
      parent: this,
      controller: { kind: "StatefulSet", replicas: config.replicas, podManagementPolicy: "OrderedReady" },
      runAs: PROMETHEUS_RUN_AS,
      containers: [
        prometheusContainer(config, endpoint.port, [configFiles, ruleFiles, claimMount("data", config.volumeSize, PROMETHEUS_DATA_DIR)]),
        reloaderContainer(endpoint.port, [configFiles, ruleFiles]),
      ],
      // On purpose: Kubernetes service discovery reads the API with this token, and the kubelets accept it for
      // cAdvisor. No checksum of the config or rules on the pods: a change reaches the running pod through the reloader.
      apiToken: true,
      lintExemptions: exemptConcern("serviceAccountToken", "mounts its token on purpose: Kubernetes service discovery lists and watches pods and nodes through the API, and the kubelets accept it for cAdvisor"),
      services: [{ name: endpoint.serviceName, ports: [servicePort("web", endpoint.port)] }],
      flows: { pods: endpoint, ingress: prometheusIngressFlows(args), egress: prometheusEgressFlows(args) },
      dependsOn: [configMap, rulesMap],
    });
    declareClusterRoleForWorkload(
      {
        identity,
        clusterRoleName: clusterScopedName(endpoint.namespace, "prometheus-discovery"),
        rules: discoveryRules(scrapesKubelets),
        resourceNames: { role: "prometheus-clusterrole", binding: "prometheus-clusterrolebinding" },
      },
      this,
    );
    // Its own workload beside Prometheus, which alone scrapes it and shares its API server addresses.
    new KubeStateMetrics(
      "kube-state-metrics",
      { namespace: endpoint.namespace, config: config.kubeStateMetrics, prometheus: { namespace: endpoint.namespace, podLabels: endpoint.podLabels }, apiServer: config.apiServer },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
