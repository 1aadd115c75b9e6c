import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KUBE_STATE_METRICS_IMAGE } from "../../images";
import { servicePort } from "../../k8s/controllers";
import { clusterScopedName } from "../../k8s/labels";
import { exemptConcern, singleReplicaExemptions } from "../../k8s/lintExemptions";
import type { Flow, PodPeer } from "../../k8s/network";
import type { WorkloadIdentity } from "../../k8s/objectMeta";
import type { RunAs, SecureContainerArgs } from "../../k8s/podSpec";
import { PROBE_TIMINGS, httpProbe } from "../../k8s/probes";
import { declareClusterRoleForWorkload } from "../../k8s/rbac";
import { declareWorkload } from "../../k8s/workload";
import { placement } from "../../placement";
import { clusterHost } from "../../platformEndpoints";
import type { ObservabilityConfig } from "../configSchema";

export const KUBE_STATE_METRICS = "kube-state-metrics";
/** The object metrics (/metrics, /livez) and kube-state-metrics' own (/readyz, /metrics): upstream's ports. */
export const KUBE_STATE_METRICS_PORTS = { metrics: 8080, telemetry: 8081 } as const;
const PORT_NAMES = { metrics: "http-metrics", telemetry: "telemetry" } as const;
// The image's user is distroless `nobody`: non-numeric, so runAsNonRoot needs the IDs spelt out.
const RUN_AS: RunAs = { uid: 65534, gid: 65534, fsGroup: 65534 };

/**
 * The objects kube-state-metrics watches, each with its `--resources` name and API group: exactly what the
 * dashboards and alerts read. Pods: restarts, phase, readiness and each container's requests and limits;
 * Deployments, StatefulSets and DaemonSets: desired and available replicas of every platform workload;
 * HorizontalPodAutoscalers: current, minimum and maximum replicas. Nothing else is listed, so the ClusterRole
 * below grants nothing else.
 */
export const WATCHED_RESOURCES = [
  { name: "pods", apiGroup: "" },
  { name: "deployments", apiGroup: "apps" },
  { name: "statefulsets", apiGroup: "apps" },
  { name: "daemonsets", apiGroup: "apps" },
  { name: "horizontalpodautoscalers", apiGroup: "autoscaling" },
] as const;

/** list and watch (an informer's two calls) on exactly the watched resources, one rule per API group. */
export function kubeStateMetricsRules(): k8s.types.input.rbac.v1.PolicyRule[] {
  const groups = [...new Set(WATCHED_RESOURCES.map((resource) => resource.apiGroup))];
  return groups.map((group) => ({
    apiGroups: [group],
    resources: WATCHED_RESOURCES.filter((resource) => resource.apiGroup === group).map((resource) => resource.name),
    verbs: ["list", "watch"],
  }));
}

/** Where Prometheus scrapes the object metrics: the Service, by name (its only replica behind it). */
export function kubeStateMetricsTarget(namespace: string): string {
  return `${clusterHost(KUBE_STATE_METRICS, namespace)}:${KUBE_STATE_METRICS_PORTS.metrics}`;
}

/** The pods, for the policies on both sides of the scrape. */
export function kubeStateMetricsPods(namespace: string): PodPeer {
  return placement(KUBE_STATE_METRICS, namespace);
}

export function kubeStateMetricsArgs(): string[] {
  return [
    // Explicit addresses (upstream listens on "::"): IPv4 pods, and one form the tests rewrite to loopback.
    `--host=0.0.0.0`,
    `--port=${KUBE_STATE_METRICS_PORTS.metrics}`,
    `--telemetry-host=0.0.0.0`,
    `--telemetry-port=${KUBE_STATE_METRICS_PORTS.telemetry}`,
    `--resources=${WATCHED_RESOURCES.map((resource) => resource.name).join(",")}`,
  ];
}

function kubeStateMetricsContainer(config: KubeStateMetricsConfig): SecureContainerArgs {
  return {
    name: KUBE_STATE_METRICS,
    image: KUBE_STATE_METRICS_IMAGE,
    resources: config.resources,
    args: kubeStateMetricsArgs(),
    ports: [
      { name: PORT_NAMES.metrics, containerPort: KUBE_STATE_METRICS_PORTS.metrics, protocol: "TCP" },
      { name: PORT_NAMES.telemetry, containerPort: KUBE_STATE_METRICS_PORTS.telemetry, protocol: "TCP" },
    ],
    probes: {
      // /livez asks the API server's /livez: a pod cut off from the API server is restarted.
      liveness: httpProbe("/livez", PORT_NAMES.metrics, PROBE_TIMINGS.liveness.native),
      // /readyz is ready once the first objects are listed and their metrics exist.
      readiness: httpProbe("/readyz", PORT_NAMES.telemetry, PROBE_TIMINGS.readiness.native),
    },
  };
}

export type KubeStateMetricsConfig = ObservabilityConfig["prometheus"]["kubeStateMetrics"];

export interface KubeStateMetricsArgs {
  /** The namespace as a known string: the scrape target and the cluster-scoped names carry it. */
  namespace: string;
  config: KubeStateMetricsConfig;
  /** Who may scrape it: the Prometheus pods. */
  prometheus: PodPeer;
  /** Where it may connect: the API server, and nothing else. */
  apiServer: { cidrs: string[]; ports: number[] };
}

/** Exactly two flows: Prometheus in on the metrics port, the API server out. */
export function kubeStateMetricsFlows(args: Pick<KubeStateMetricsArgs, "prometheus" | "apiServer">): { ingress: Flow[]; egress: Flow[] } {
  return {
    ingress: [{ peer: args.prometheus, ports: [{ port: KUBE_STATE_METRICS_PORTS.metrics }] }],
    egress: args.apiServer.cidrs.map((cidr) => ({ peer: { cidr }, ports: args.apiServer.ports.map((port) => ({ port })) })),
  };
}

/**
 * kube-state-metrics: the state of pods, workloads and autoscalers as metrics (restarts, replicas, requests and
 * limits), read from the API server with list and watch on those objects only.
 */
export class KubeStateMetrics extends pulumi.ComponentResource {
  constructor(name: string, args: KubeStateMetricsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:KubeStateMetrics", name, {}, opts);
    const identity: WorkloadIdentity = { name: KUBE_STATE_METRICS, component: "metrics", namespace: args.namespace };
    declareWorkload({
      identity,
      parent: this,
      controller: { kind: "Deployment", replicas: args.config.replicas },
      runAs: RUN_AS,
      containers: [kubeStateMetricsContainer(args.config)],
      apiToken: true,
      lintExemptions: [
        ...exemptConcern("serviceAccountToken", "mounts its token on purpose: kube-state-metrics lists and watches pods, workloads and autoscalers through the API"),
        ...singleReplicaExemptions(args.config.replicas),
      ],
      services: [{ ports: [servicePort(PORT_NAMES.metrics, KUBE_STATE_METRICS_PORTS.metrics)] }],
      flows: { pods: kubeStateMetricsPods(args.namespace), ...kubeStateMetricsFlows(args) },
    });
    declareClusterRoleForWorkload(
      {
        identity,
        clusterRoleName: clusterScopedName(args.namespace, KUBE_STATE_METRICS),
        rules: kubeStateMetricsRules(),
        resourceNames: { role: "kube-state-metrics-clusterrole", binding: "kube-state-metrics-clusterrolebinding" },
      },
      this,
    );
    this.registerOutputs({});
  }
}
