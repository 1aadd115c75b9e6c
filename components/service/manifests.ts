import type * as k8s from "@pulumi/kubernetes";
import type { ServiceConfig } from "../configSchema";
import { servicePort } from "../k8s/controllers";
import { METRICS_PORT_NAME } from "../k8s/enrolment";
import type { Mount } from "../k8s/mounts";
import type { Flow, NetworkPeer, PodPeer, WorkloadFlows } from "../k8s/network";
import { DEFAULT_RUN_AS, type RunAs, type SecureContainerArgs } from "../k8s/podSpec";
import { PROBE_TIMINGS, type ProbeTiming, httpProbe } from "../k8s/probes";
import { SHUTDOWN_TIMEOUT_SECONDS } from "./env";
import { serviceCommand } from "./runtime";

type Input<T> = import("@pulumi/pulumi").Input<T>;

export const SERVICE_RUN_AS: RunAs = DEFAULT_RUN_AS;
// The one port: the API and /metrics. Prometheus's NetworkPolicy names it, so it must keep this name.
const HTTP_PORT_NAME = METRICS_PORT_NAME;
/** The ClusterIP Service listens on 80 and forwards to the container's named port. */
export const SERVICE_PORT = 80;

export const PROBES = {
  startup: { path: "/health", timing: PROBE_TIMINGS.startup.service },
  liveness: { path: "/health", timing: PROBE_TIMINGS.liveness.service },
  readiness: { path: "/ready", timing: PROBE_TIMINGS.readiness.service },
} satisfies Record<string, { path: string; timing: ProbeTiming }>;

/** Slack between the service's own worst case and kubelet's SIGKILL. */
const GRACE_MARGIN_SECONDS = 5;

/**
 * The termination timeline: the preStop hook sleeps `shutdownDelaySeconds` while the pod, already terminating,
 * is removed from the Service's endpoints (kube-proxy and ingress stop sending new connections); only then does
 * kubelet send SIGTERM. The service then keeps serving `shutdownDelaySeconds` more with readiness 503 and
 * `Connection: close` on every response, so clients holding keep-alive connections (ingress upstream pools)
 * move to other pods; then it closes the listener, drains, flushes and exits within SHUTDOWN_TIMEOUT_SECONDS.
 * The grace period covers all of it plus a margin, so kubelet never SIGKILLs a draining pod.
 */
export function shutdownTimeline(config: Pick<ServiceConfig, "shutdownDelaySeconds">): {
  preStopSeconds: number;
  terminationGracePeriodSeconds: number;
} {
  const delay = config.shutdownDelaySeconds;
  return { preStopSeconds: delay, terminationGracePeriodSeconds: delay + delay + SHUTDOWN_TIMEOUT_SECONDS + GRACE_MARGIN_SECONDS };
}

/**
 * The preStop hook: kubelet's own `sleep` action (Kubernetes 1.30+, on by default since then and GA in 1.34;
 * the stacks target 1.31, see docs/manifest-checks.md). Nothing runs in the container: the image needs no shell
 * or `sleep`, and no second node process takes memory from the pod's limit while it terminates (a
 * `node -e setTimeout(...)` hook would take about 40 MiB).
 */
export function preStopHook(seconds: number): k8s.types.input.core.v1.Lifecycle | undefined {
  if (seconds === 0) return undefined;
  return { preStop: { sleep: { seconds } } };
}

const HPA_TARGETS = { cpuUtilization: 70, memoryUtilization: 80 };

export interface ServiceContainerArgs {
  name: string;
  config: ServiceConfig;
  image: Input<string>;
  /** APP_VERSION, derived from the image reference. */
  version: string;
  configMapName: string;
  /** The credentials' files. */
  mounts: Mount[];
}

/** The service's one container: the API and /metrics on one named port, probes, the shutdown hook. */
export function serviceContainer(args: ServiceContainerArgs): SecureContainerArgs {
  const hook = preStopHook(shutdownTimeline(args.config).preStopSeconds);
  return {
    name: args.name,
    image: args.image,
    // The heap flags are sized from this pod's memory limit (see runtime.ts).
    command: serviceCommand(args.config),
    resources: args.config.resources,
    ports: [{ name: HTTP_PORT_NAME, containerPort: args.config.port, protocol: "TCP" }],
    env: [{ name: "APP_VERSION", value: args.version }],
    envFrom: [{ configMapRef: { name: args.configMapName } }],
    probes: {
      startup: httpProbe(PROBES.startup.path, HTTP_PORT_NAME, PROBES.startup.timing),
      liveness: httpProbe(PROBES.liveness.path, HTTP_PORT_NAME, PROBES.liveness.timing),
      readiness: httpProbe(PROBES.readiness.path, HTTP_PORT_NAME, PROBES.readiness.timing),
    },
    mounts: args.mounts,
    ...(hook === undefined ? {} : { lifecycle: hook }),
  };
}

/** The ClusterIP Service: port 80 to the container's named port. */
export const SERVICE_PORTS = [servicePort(HTTP_PORT_NAME, SERVICE_PORT)];

export function hpaSpec(name: string, config: ServiceConfig): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
  const utilization = (resource: string, averageUtilization: number) => ({
    type: "Resource",
    resource: { name: resource, target: { type: "Utilization", averageUtilization } },
  });
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
    minReplicas: config.replicas.min,
    maxReplicas: config.replicas.max,
    metrics: [utilization("cpu", HPA_TARGETS.cpuUtilization), utilization("memory", HPA_TARGETS.memoryUtilization)],
    behavior: {
      // Scale down slowly so a short lull does not drop capacity that the next burst needs.
      scaleDown: { stabilizationWindowSeconds: config.scaleDownStabilizationSeconds, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
      scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Percent", value: 100, periodSeconds: 30 }] },
    },
  };
}

export function ingressSpec(name: string, ingress: NonNullable<ServiceConfig["ingress"]>): k8s.types.input.networking.v1.IngressSpec {
  return {
    ingressClassName: ingress.className,
    rules: [
      {
        host: ingress.host,
        // Only the configured API prefixes: nothing routes /metrics, /health, /ready or /docs from outside.
        http: { paths: ingress.paths.map((path) => ({ path, pathType: "Prefix", backend: { service: { name, port: { name: HTTP_PORT_NAME } } } })) },
      },
    ],
    ...(ingress.tlsSecretName ? { tls: [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }] } : {}),
  };
}

export interface ServiceFlows {
  /** Who may call the service: the ingress controller, Prometheus, and services named in allowFrom. */
  callers: NetworkPeer[];
  /** Where the service may connect to besides DNS: the Jaeger collector and Vault. */
  egress: Flow[];
}

/** The service's flows on its one port. */
export function serviceFlows(pods: PodPeer, port: number, flows: ServiceFlows): WorkloadFlows {
  return { pods, ingress: flows.callers.map((peer) => ({ peer, ports: [{ port }] })), egress: flows.egress };
}
