/**
 * The kubelet's prober (pkg/kubelet/prober), for a container run as a local process: the rendered startup,
 * liveness and readiness probes, with their timings, judged by the kubelet's rules.
 *
 * - One worker per probe, ticking every periodSeconds from the container's start; a tick earlier than
 *   initialDelaySeconds after the start (whole seconds, as the kubelet compares them) probes nothing.
 * - Until the startup probe has succeeded, liveness and readiness do not probe; once it has, startup stops.
 * - A result changes only after successThreshold successes or failureThreshold failures in a row. Initial
 *   results: readiness failure (not ready), liveness success, startup unknown.
 * - Startup or liveness failing failureThreshold times in a row: the kubelet kills the container to restart
 *   it. Here the verdict is recorded and the workers stop; the process is not restarted.
 * - HTTP: GET scheme://host:port/path with `User-Agent: kube-probe/<version>` and `Accept: *\/*`, at most
 *   timeoutSeconds; success is a status from 200 to 399. Redirects to the same host are followed (at most
 *   10), one to another host is a success as it stands. Failure output: "HTTP probe failed with statuscode: N".
 * - TCP: success when a connection opens within timeoutSeconds; it is closed at once.
 * - exec probes are not supported: the services here have none.
 */
import * as net from "node:net";

type Any = Record<string, any>;

/** The kubelet's defaults for fields a probe leaves out (the API server fills them in the same way). */
export const PROBE_DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } as const;
/** The User-Agent the kubelet sends; the version is the stacks' target (docs/manifest-checks.md). */
export const KUBE_PROBE_USER_AGENT = "kube-probe/1.31";
const MAX_REDIRECTS = 10;

export type ProbeKind = "startup" | "liveness" | "readiness";
export const PROBE_FIELDS: Record<ProbeKind, string> = { startup: "startupProbe", liveness: "livenessProbe", readiness: "readinessProbe" };

export interface ProbeOutcome {
  result: "success" | "failure";
  /** What the kubelet would put in the event's message for a failure, or a note for a success. */
  output: string;
}

/** A named port resolved through the container's ports, as the kubelet does; a number stays as it is. */
export function resolvePort(port: number | string, container: Any): number {
  if (typeof port === "number") return port;
  const found = (container.ports ?? []).find((entry: Any) => entry.name === port);
  if (found === undefined) throw new Error(`the probe names port '${port}', which container ${container.name} does not declare`);
  return found.containerPort as number;
}

/** One probe, once: the kubelet's HTTP or TCP check against `host` (the pod's IP in a cluster). */
export async function probeOnce(probe: Any, container: Any, host: string): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds) * 1000;
  if (probe.httpGet) return httpProbe(probe.httpGet, container, host, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket, container, host, timeoutMs);
  throw new Error(`unsupported probe ${JSON.stringify(probe)}: only httpGet and tcpSocket are run here`);
}

async function httpProbe(action: Any, container: Any, podHost: string, timeoutMs: number): Promise<ProbeOutcome> {
  const scheme = String(action.scheme ?? "HTTP").toLowerCase();
  if (scheme !== "http") throw new Error(`scheme ${action.scheme} is not supported here`);
  const host = action.host ?? podHost;
  let url = new URL(`http://${host}:${resolvePort(action.port, container)}${action.path ?? "/"}`);
  const headers: Record<string, string> = { "User-Agent": KUBE_PROBE_USER_AGENT, Accept: "*/*" };
  for (const header of action.httpHeaders ?? []) headers[header.name] = header.value;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    for (let redirects = 0; ; redirects += 1) {
      const response = await fetch(url, { headers, redirect: "manual", signal });
      // The kubelet reads at most 10 KiB of the body and only for its log; the connection is not reused.
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location !== null) {
        const next = new URL(location, url);
        if (next.hostname !== url.hostname) return { result: "success", output: `Probe terminated redirects, Response: ${response.status}` };
        if (redirects >= MAX_REDIRECTS) return { result: "failure", output: `Get "${url}": stopped after ${MAX_REDIRECTS} redirects` };
        url = next;
        continue;
      }
      if (response.status >= 200 && response.status < 400) return { result: "success", output: `HTTP probe succeeded with statuscode: ${response.status}` };
      return { result: "failure", output: `HTTP probe failed with statuscode: ${response.status}` };
    }
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    if (signal.aborted) return { result: "failure", output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` };
    return { result: "failure", output: `Get "${url}": ${cause === "ECONNREFUSED" ? `dial tcp ${url.host}: connect: connection refused` : (error as Error).message}` };
  }
}

function tcpProbe(action: Any, container: Any, podHost: string, timeoutMs: number): Promise<ProbeOutcome> {
  const host = action.host ?? podHost;
  const port = resolvePort(action.port, container);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ result: "failure", output: `dial tcp ${host}:${port}: i/o timeout` }), timeoutMs);
    socket.once("connect", () => done({ result: "success", output: `dial tcp ${host}:${port}: connected` }));
    socket.once("error", (error: NodeJS.ErrnoException) =>
      done({ result: "failure", output: `dial tcp ${host}:${port}: ${error.code === "ECONNREFUSED" ? "connect: connection refused" : error.message}` }),
    );
  });
}

export interface ProbeRecord {
  kind: ProbeKind;
  /** Seconds since the container started. */
  atSeconds: number;
  outcome: ProbeOutcome;
}

/**
 * The three probe workers of one container, started with the container. `started`, `ready` and `restart`
 * are the kubelet's view: the container's `started` and `ready` status and, once startup or liveness has
 * failed failureThreshold times in a row, the reason it would kill the container.
 */
export class ContainerProber {
  started = false;
  ready = false;
  restart: string | undefined;
  readonly records: ProbeRecord[] = [];
  /** The workers' ticker starts here, after the container started, as the kubelet's do. */
  private readonly tickerStart = performance.now();
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  /**
   * `startedAt` (performance.now()) is when the container started, which initialDelaySeconds counts from; it
   * precedes the workers' start by the time it took to create them, as in the kubelet.
   */
  constructor(
    private readonly container: Any,
    private readonly startedAt = performance.now(),
    private readonly host = "127.0.0.1",
  ) {
    // No startup probe: the container counts as started at once, as in the kubelet.
    if (!container.startupProbe) this.started = true;
    for (const kind of ["startup", "liveness", "readiness"] as const) {
      const probe = container[PROBE_FIELDS[kind]];
      if (probe) this.worker(kind, { ...PROBE_DEFAULTS, ...probe });
    }
    // Without a readiness probe the kubelet reports ready once started.
    if (!container.readinessProbe) this.ready = this.started;
  }

  /** The failure outputs of one probe so far, oldest first. */
  failures(kind: ProbeKind): string[] {
    return this.records.filter((record) => record.kind === kind && record.outcome.result === "failure").map((record) => record.outcome.output);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private worker(kind: ProbeKind, probe: Any): void {
    let run = 0;
    let last: ProbeOutcome["result"] | undefined;
    const tick = async (index: number) => {
      if (this.stopped || this.restart !== undefined) return;
      const elapsed = (performance.now() - this.startedAt) / 1000;
      const skip = Math.floor(elapsed) < probe.initialDelaySeconds || (kind === "startup" ? this.started : !this.started);
      if (!skip) {
        const outcome = await probeOnce(probe, this.container, this.host);
        if (this.stopped) return;
        this.records.push({ kind, atSeconds: elapsed, outcome });
        run = outcome.result === last ? run + 1 : 1;
        last = outcome.result;
        const threshold = outcome.result === "success" ? probe.successThreshold : probe.failureThreshold;
        if (run >= threshold) this.apply(kind, outcome);
      }
      // The ticker: every period from the worker's start, however long a probe took (a late tick is not doubled).
      const next = (index + 1) * probe.periodSeconds * 1000 - (performance.now() - this.tickerStart);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void tick(index + 1);
      }, Math.max(0, next));
      this.timers.add(timer);
    };
    void tick(0);
  }

  private apply(kind: ProbeKind, outcome: ProbeOutcome): void {
    const success = outcome.result === "success";
    if (kind === "startup") {
      if (success) {
        this.started = true;
        if (!this.container.readinessProbe) this.ready = true;
      } else this.restart = `Container ${this.container.name} failed startup probe, will be restarted (${outcome.output})`;
    } else if (kind === "liveness") {
      if (!success) this.restart = `Container ${this.container.name} failed liveness probe, will be restarted (${outcome.output})`;
    } else this.ready = success;
    if (this.restart !== undefined) {
      // The kubelet kills the container: it is neither started nor ready until a new one is.
      this.started = false;
      this.ready = false;
    }
  }
}
