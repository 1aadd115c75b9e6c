import type * as k8s from "@pulumi/kubernetes";
import type { ServiceConfig } from "../configSchema";
import { servicePort } from "../k8s/controllers";
import type { Mount, ScratchDir } from "../k8s/mounts";
import type { Flow, NetworkPeer, PodPeer, WorkloadFlows } from "../k8s/network";
import { DEFAULT_RUN_AS, type RunAs, type SecureContainerArgs } from "../k8s/podSpec";
import { PROBE_TIMINGS, type ProbeTiming, httpProbe, tcpProbe } from "../k8s/probes";
import { SHUTDOWN_TIMEOUT_SECONDS } from "./env";
import { runtimeSettings } from "./runtime";
import { BLUEPRINT_PROBE_PATHS, HTTP_PORT_NAME, PROBE_KINDS, type ProbeKind, resolvedMetrics, resolvedProbe } from "./workloadSchema";

type Input<T> = import("@pulumi/pulumi").Input<T>;

export const SERVICE_RUN_AS: RunAs = DEFAULT_RUN_AS;
/** The ClusterIP Service listens on 80 and forwards to the container's named port. */
export const SERVICE_PORT = 80;

/** The probes of an image with the platform's conventions, and the default timing row of every service's. */
export const PROBES = {
  startup: { path: BLUEPRINT_PROBE_PATHS.startup, timing: PROBE_TIMINGS.startup.service },
  liveness: { path: BLUEPRINT_PROBE_PATHS.liveness, timing: PROBE_TIMINGS.liveness.service },
  readiness: { path: BLUEPRINT_PROBE_PATHS.readiness, timing: PROBE_TIMINGS.readiness.service },
} satisfies Record<ProbeKind, { path: string; timing: ProbeTiming }>;

/**
 * One probe as the kubelet will run it: the entry's own path, port and timings over the default. Without a
 * path it is a TCP connect: all an unknown image is sure to answer. The default timing row is the service's
 * (a server up in seconds); a slower image raises initialDelaySeconds or failureThreshold in its entry.
 */
export function serviceProbe(kind: ProbeKind, config: Pick<ServiceConfig, "probes" | "conventions">) {
  const probe = resolvedProbe(kind, config);
  const timing: ProbeTiming = {
    initialDelaySeconds: probe.initialDelaySeconds ?? PROBES[kind].timing.initialDelaySeconds,
    periodSeconds: probe.periodSeconds ?? PROBES[kind].timing.periodSeconds,
    timeoutSeconds: probe.timeoutSeconds ?? PROBES[kind].timing.timeoutSeconds,
    failureThreshold: probe.failureThreshold ?? PROBES[kind].timing.failureThreshold,
  };
  return probe.path === undefined ? tcpProbe(probe.port, timing) : httpProbe(probe.path, probe.port, timing);
}

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
  /** APP_VERSION, derived from the image reference (conventions: blueprint). */
  version: string;
  configMapName: string;
  /** The credentials' files. */
  mounts: Mount[];
}

/** The entry's scratch directories as the kit's: named by position, since a path is no volume name. */
function scratchDirs(config: Pick<ServiceConfig, "scratch">): ScratchDir[] {
  return config.scratch.map((dir, index) => ({ name: `scratch-${index + 1}`, mountPath: dir.path, ...(dir.size === undefined ? {} : { sizeLimit: dir.size }) }));
}

/** The container ports: `http` first (the Service, the Ingress and the probes' default), then the entry's own. */
export function containerPorts(config: Pick<ServiceConfig, "port" | "ports">): { name: string; containerPort: number; protocol: "TCP" }[] {
  return Object.entries({ [HTTP_PORT_NAME]: config.port, ...config.ports }).map(([name, containerPort]) => ({ name, containerPort, protocol: "TCP" }));
}

/**
 * The service's one container, as its entry describes it (workloadSchema.ts): the image's own entrypoint
 * unless the entry gives a command or args, the runtime's flags, its ports, probes and scratch directories,
 * and the shutdown hook.
 */
export function serviceContainer(args: ServiceContainerArgs): SecureContainerArgs {
  const config = args.config;
  const hook = preStopHook(shutdownTimeline(config).preStopSeconds);
  const runtime = runtimeSettings(config, config);
  const command = runtime.command ?? config.command;
  const env = [
    ...(config.conventions === "blueprint" ? [{ name: "APP_VERSION", value: args.version }] : []),
    ...Object.entries(runtime.env).map(([name, value]) => ({ name, value })),
  ];
  const scratch = scratchDirs(config);
  return {
    name: args.name,
    image: args.image,
    ...(command === undefined ? {} : { command }),
    ...(config.args === undefined ? {} : { args: config.args }),
    resources: config.resources,
    ports: containerPorts(config),
    ...(env.length > 0 ? { env } : {}),
    envFrom: [{ configMapRef: { name: args.configMapName } }],
    probes: Object.fromEntries(PROBE_KINDS.map((kind) => [kind, serviceProbe(kind, config)])) as Record<ProbeKind, ReturnType<typeof serviceProbe>>,
    ...(scratch.length > 0 ? { scratch } : {}),
    mounts: args.mounts,
    ...(hook === undefined ? {} : { lifecycle: hook }),
  };
}

/** Where Prometheus scrapes the pods: the port's number and the path, or undefined when it does not. */
export function scrapeTarget(config: Pick<ServiceConfig, "port" | "ports" | "metrics" | "conventions">): { port: number; path: string } | undefined {
  const metrics = resolvedMetrics(config);
  if (metrics === false) return undefined;
  const port = metrics.port === HTTP_PORT_NAME ? config.port : config.ports[metrics.port];
  if (port === undefined) throw new Error(`metrics.port '${metrics.port}' is not a port of this service`);
  return { port, path: metrics.path };
}

/** The ClusterIP Service: port 80 to the container's `http` port, and each other named port at its own number. */
export function servicePorts(config: Pick<ServiceConfig, "ports">) {
  return [servicePort(HTTP_PORT_NAME, SERVICE_PORT), ...Object.entries(config.ports).map(([name, port]) => servicePort(name, port))];
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
  /** The ingress controller, for a service with an ingress: to `http` only. */
  ingressController: NetworkPeer | undefined;
  /** Prometheus: to the metrics port only, and only when the service is scraped. */
  prometheus: NetworkPeer;
  /** Services named in allowFrom: to every port the service declares. */
  callers: NetworkPeer[];
  /** Where the service may connect to besides DNS: the Jaeger collector, Vault, the services it calls. */
  egress: Flow[];
}

/** Every port a caller of the service may reach: `http` and the entry's own. */
export function callablePorts(config: Pick<ServiceConfig, "port" | "ports">): { port: number }[] {
  return [config.port, ...Object.values(config.ports)].map((port) => ({ port }));
}

/** The service's flows: each caller to the ports it needs and no others. */
export function serviceFlows(pods: PodPeer, config: Pick<ServiceConfig, "port" | "ports" | "metrics" | "conventions">, flows: ServiceFlows): WorkloadFlows {
  const scrape = scrapeTarget(config);
  return {
    pods,
    ingress: [
      ...(flows.ingressController ? [{ peer: flows.ingressController, ports: [{ port: config.port }] }] : []),
      ...(scrape ? [{ peer: flows.prometheus, ports: [{ port: scrape.port }] }] : []),
      ...flows.callers.map((peer) => ({ peer, ports: callablePorts(config) })),
    ],
    egress: flows.egress,
  };
}
