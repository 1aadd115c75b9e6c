import * as k8s from "@pulumi/kubernetes";
import type { Environment, ServiceConfig } from "../configSchema";
import { type Flow, type NetworkPeer, allowFlowsSpec } from "../k8s/network";
import { ENROLLED } from "../k8s/labels";
import { METRICS_PORT_NAME } from "../observability/enrolment";
import { SHUTDOWN_TIMEOUT_SECONDS } from "./env";
import { serviceCommand } from "./runtime";
import { DEFAULT_RUN_AS, type ProbeTiming, type RunAs, httpProbe, secureContainer, securePodSpec } from "../k8s/podSpec";

type Input<T> = import("@pulumi/pulumi").Input<T>;

const SERVICE_RUN_AS: RunAs = DEFAULT_RUN_AS;
// The one port: the API and /metrics. Prometheus's NetworkPolicy names it, so it must keep this name.
const HTTP_PORT_NAME = METRICS_PORT_NAME;
/** The ClusterIP Service listens on 80 and forwards to the container's named port. */
export const SERVICE_PORT = 80;

// Startup allows 5 + 10×5 s for a cold start; liveness restarts after 45 s without an answer; readiness takes
// the pod out of the Service within 30 s.
export const PROBES = {
  startup: { path: "/health", timing: { initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 10 } },
  liveness: { path: "/health", timing: { initialDelaySeconds: 10, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 3 } },
  readiness: { path: "/ready", timing: { initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 } },
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
 * or `sleep`, and no second node process takes memory from the pod's limit while it terminates, which the
 * former `node -e setTimeout(...)` hook did (about 40 MiB).
 */
export function preStopHook(seconds: number): k8s.types.input.core.v1.Lifecycle | undefined {
  if (seconds === 0) return undefined;
  return { preStop: { sleep: { seconds } } };
}

const HPA_TARGETS = { cpuUtilization: 70, memoryUtilization: 80 };

export interface ServiceManifestArgs {
  name: string;
  environment: Environment;
  config: ServiceConfig;
  labels: Record<string, string>;
  selector: Record<string, string>;
  image: Input<string>;
  /** APP_VERSION, derived from the image reference. */
  version: string;
  configMapName: string;
  /** Taken over the resolved env, so it may wait on Outputs in it. */
  configChecksum: Input<string>;
  volumes: k8s.types.input.core.v1.Volume[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
}

export function deploymentSpec(args: ServiceManifestArgs): k8s.types.input.apps.v1.DeploymentSpec {
  const port = args.config.port;
  const timeline = shutdownTimeline(args.config);
  const hook = preStopHook(timeline.preStopSeconds);
  const lifecycle = hook === undefined ? {} : { lifecycle: hook };
  const container = secureContainer({
    name: args.name,
    image: args.image,
    // The heap flags are sized from this pod's memory limit (see runtime.ts).
    command: serviceCommand(args.config),
    runAs: SERVICE_RUN_AS,
    resources: args.config.resources,
    ports: [{ name: HTTP_PORT_NAME, containerPort: port, protocol: "TCP" }],
    env: [{ name: "APP_VERSION", value: args.version }],
    envFrom: [{ configMapRef: { name: args.configMapName } }],
    probes: {
      startup: httpProbe(PROBES.startup.path, HTTP_PORT_NAME, PROBES.startup.timing),
      liveness: httpProbe(PROBES.liveness.path, HTTP_PORT_NAME, PROBES.liveness.timing),
      readiness: httpProbe(PROBES.readiness.path, HTTP_PORT_NAME, PROBES.readiness.timing),
    },
    volumeMounts: args.volumeMounts,
    ...lifecycle,
  });
  // No `replicas`: the HPA owns the count, and a value here would fight it on every `pulumi up`.
  return {
    selector: { matchLabels: args.selector },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    revisionHistoryLimit: 5,
    template: {
      metadata: {
        // Enrolled: the platform's Jaeger admits its traces and Prometheus discovers and scrapes it, by label.
        labels: { ...args.labels, ...ENROLLED },
        annotations: {
          "prometheus.io/scrape": "true",
          "prometheus.io/port": String(port),
          "prometheus.io/path": "/metrics",
          // A ConfigMap change alone would not restart pods; the checksum makes it roll them.
          "checksum/config": args.configChecksum,
        },
      },
      spec: securePodSpec({
        containers: [container],
        runAs: SERVICE_RUN_AS,
        serviceAccountName: args.name,
        volumes: args.volumes,
        terminationGracePeriodSeconds: timeline.terminationGracePeriodSeconds,
        // Soft anti-affinity at least: the HPA always runs two or more replicas (kube-score deployment-has-host-podantiaffinity).
        ...(args.config.topologySpread ? { spreadLabels: args.selector } : { antiAffinityLabels: args.selector }),
      }),
    },
  };
}

export function serviceSpec(args: Pick<ServiceManifestArgs, "selector">): k8s.types.input.core.v1.ServiceSpec {
  return {
    type: "ClusterIP",
    selector: args.selector,
    ports: [{ name: HTTP_PORT_NAME, port: SERVICE_PORT, targetPort: HTTP_PORT_NAME, protocol: "TCP" }],
  };
}

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

export function serviceNetworkPolicySpec(selector: Record<string, string>, port: number, flows: ServiceFlows) {
  return allowFlowsSpec(selector, {
    ingress: flows.callers.map((peer) => ({ peer, ports: [{ port }] })),
    egress: flows.egress,
  });
}
