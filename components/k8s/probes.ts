import type * as k8s from "@pulumi/kubernetes";

type Probe = k8s.types.input.core.v1.Probe;

export interface ProbeTiming {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

const timing = (initialDelaySeconds: number, periodSeconds: number, timeoutSeconds: number, failureThreshold: number): ProbeTiming => ({
  initialDelaySeconds,
  periodSeconds,
  timeoutSeconds,
  failureThreshold,
});

/**
 * Every probe timing the platform uses, named by the kind of process it fits, so a workload picks a row
 * instead of writing numbers. A startup probe holds the other two back until it passes, so they start at 0.
 * - `native`: a Go or Rust server up in seconds (Jaeger, Alertmanager, Vector, the config reloader). Startup
 *   allows 5 + 24×5 s; liveness restarts after 45 s without an answer; readiness acts within 30 s.
 * - `jvm`: a JVM or a large Node server that needs a minute or more to start (Kafka, Elasticsearch, Kibana).
 *   Startup allows 10 + 30×10 s; liveness waits 60 s, since a long GC pause is not death.
 * - `walReplay`: Prometheus, which replays its write-ahead log before it is ready: up to 10 + 60×10 s.
 * - `service`: the platform's own service, which starts in seconds: startup allows 5 + 10×5 s; liveness
 *   restarts after 45 s without an answer; readiness takes the pod out of the Service within 30 s.
 */
export const PROBE_TIMINGS = {
  startup: {
    native: timing(5, 5, 3, 24),
    jvm: timing(10, 10, 5, 30),
    walReplay: timing(10, 10, 5, 60),
    service: timing(5, 5, 3, 10),
  },
  liveness: {
    native: timing(0, 15, 5, 3),
    jvm: timing(0, 20, 5, 3),
    service: timing(10, 15, 5, 3),
  },
  readiness: {
    native: timing(0, 10, 3, 3),
    jvm: timing(0, 10, 5, 3),
    service: timing(5, 10, 3, 3),
  },
} as const satisfies Record<"startup" | "liveness" | "readiness", Record<string, ProbeTiming>>;

/** An HTTP GET probe; "HTTPS" for a server that listens with TLS only (the kubelet does not verify it). */
export function httpProbe(path: string, port: number | string, probeTiming: ProbeTiming, scheme?: "HTTPS"): Probe {
  return { httpGet: { path, port, ...(scheme ? { scheme } : {}) }, ...probeTiming };
}

export function tcpProbe(port: number | string, probeTiming: ProbeTiming): Probe {
  return { tcpSocket: { port }, ...probeTiming };
}

export function execProbe(command: string[], probeTiming: ProbeTiming): Probe {
  return { exec: { command }, ...probeTiming };
}

/**
 * The same readiness and liveness check either restarts a pod that is only busy, or keeps one that is
 * wedged in the Service. The rule kube-score applies: same HTTP path and port, same TCP port, or same command.
 */
export function probesIdentical(readiness: Probe, liveness: Probe): boolean {
  if (readiness.httpGet && liveness.httpGet) {
    const [ready, live] = [readiness.httpGet, liveness.httpGet] as k8s.types.input.core.v1.HTTPGetAction[];
    // kube-score reads every named port as 0, so two named ports count as the same port.
    const samePort = ready.port === live.port || (typeof ready.port === "string" && typeof live.port === "string");
    return ready.path === live.path && samePort;
  }
  if (readiness.tcpSocket && liveness.tcpSocket) {
    return (readiness.tcpSocket as k8s.types.input.core.v1.TCPSocketAction).port === (liveness.tcpSocket as k8s.types.input.core.v1.TCPSocketAction).port;
  }
  if (readiness.exec && liveness.exec) return JSON.stringify(readiness.exec) === JSON.stringify(liveness.exec);
  return false;
}
