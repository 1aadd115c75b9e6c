/**
 * Every service the local stack deploys (the Items API, and items-py from examples/items-py, which has no
 * command in its entry and so runs its image's ENTRYPOINT and CMD), each started from its rendered container
 * (support/workload.ts says where that departs from a pod), judged by a kubelet-like prober on its rendered
 * probes (support/kubeletProber.ts), and scraped by the real Prometheus through the rendered discovery and
 * relabeling (support/prometheusDiscovery.ts).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ContainerProber, probeOnce } from "./support/kubeletProber";
import { toLoopback } from "./support/loopback";
import { onPath, REPO_ROOT } from "./support/programs";
import { podDiscoveryFromFile, podTargetGroup } from "./support/prometheusDiscovery";
import { assertPortsFree, httpJson, Processes, waitFor } from "./support/processes";
import { localRender, type StackRender } from "./support/render";
import { readDockerfile, startWorkload, type WorkloadUnderTest } from "./support/workload";

type Any = Record<string, any>;

const NAMESPACE = "apps";
const SERVICES = ["items-api", "items-py"] as const;
const WRONG_PATH = "/no-such-probe-path";

describe("every service of the local stack, run from its rendered container, probed as the kubelet does and scraped by Prometheus", function () {
  this.timeout(600_000);
  const processes = new Processes();
  const probers: ContainerProber[] = [];
  const workloads = new Map<string, WorkloadUnderTest>();
  /** Per service: the prober on its rendered probes, and one on a copy whose startup probe asks a wrong path. */
  const rendered = new Map<string, ContainerProber>();
  const wrongPath = new Map<string, { container: Any; probes: ContainerProber }>();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "systems-workloads-"));
  const file = (name: string) => path.join(dir, name);
  let render: StackRender;

  const prober = (container: Any, startedAt?: number) => {
    const created = new ContainerProber(container, startedAt);
    probers.push(created);
    return created;
  };
  const workload = (name: string) => {
    const found = workloads.get(name);
    if (found === undefined) throw new Error(`${name} was not started (an earlier test failed)`);
    return found;
  };

  before(async () => {
    onPath("prometheus");
    render = await localRender();
  });
  after(async () => {
    for (const each of probers) each.stop();
    await processes.stopAll();
  });

  it("runs the Items API's rendered command, and items-py's Dockerfile ENTRYPOINT and CMD since its container has neither", async () => {
    for (const name of SERVICES) {
      const started = await startWorkload(processes, render, NAMESPACE, name);
      workloads.set(name, started);
      // The kubelet's probe workers start with the container, and so do these.
      rendered.set(name, prober(started.container, started.startedAt));
      const container = structuredClone(started.container);
      container.startupProbe.httpGet.path = WRONG_PATH;
      wrongPath.set(name, { container, probes: prober(container, started.startedAt) });
    }
    const api = workload("items-api");
    assert.deepEqual(api.argv, api.container.command);
    assert.equal(api.argv[0], "node");
    const py = workload("items-py");
    assert.equal(py.container.command, undefined);
    assert.equal(py.container.args, undefined);
    const image = readDockerfile(path.join(REPO_ROOT, "examples/items-py/Dockerfile"));
    assert.deepEqual(py.argv, [...image.entrypoint!, ...image.cmd!]);
    assert.match(py.argv[0]!, /\/uvicorn$/);
    // The env is the rendered one: the port from items-py's entry, the key's path rewritten to the mount's copy.
    assert.equal(py.env.UVICORN_PORT, "8080");
    assert.ok(fs.readFileSync(py.env.API_KEY_FILE!, "utf8").length > 0, "the API key file is materialised from the rendered Secret");
  });

  for (const name of SERVICES) {
    it(`${name} becomes ready through its rendered probes (startup first, then liveness and readiness), and serves with the key from its mounted file`, async () => {
      const service = workload(name);
      const probes = rendered.get(name)!;
      const verdict = await waitFor(`${name} ready by its rendered probes`, () => probes.restart ?? (probes.ready ? "ready" : undefined), {
        running: service.running,
        attempts: 180,
        intervalMs: 1000,
      });
      assert.equal(verdict, "ready", JSON.stringify(probes.records));
      assert.equal(probes.started, true);
      const firstOther = probes.records.findIndex((record) => record.kind !== "startup");
      const lastStartup = probes.records.map((record) => record.kind).lastIndexOf("startup");
      assert.ok(firstOther > lastStartup, `liveness and readiness ran only after startup succeeded: ${JSON.stringify(probes.records)}`);
      assert.equal(probes.records[lastStartup]!.outcome.result, "success");
      assert.ok(probes.records[lastStartup]!.atSeconds >= service.container.startupProbe.initialDelaySeconds, "not before initialDelaySeconds");

      const key = fs.readFileSync(service.env.API_KEY_FILE!, "utf8").trim();
      const create = (authorization: string) =>
        fetch(`${service.baseUrl}/api/v1/items/`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify({ name: "systems", price: 1 }) });
      assert.equal((await create(`Bearer ${key}`)).status, 201);
      assert.equal((await create("Bearer not-the-key")).status, 401);
      const page = await httpJson<Any>(`${service.baseUrl}/api/v1/items/`);
      assert.ok(page.items.some((item: Any) => item.name === "systems"), JSON.stringify(page));
    });
  }

  it("a startup probe on a wrong path fails as the kubelet judges it: 404 each time, the others never run, and the container would be restarted", async () => {
    // Each service's rendered startup probe pointed at a path it does not serve, probing since the service started.
    for (const name of SERVICES) {
      const { container, probes } = wrongPath.get(name)!;
      await waitFor(`${name}'s startup probe on ${WRONG_PATH} to give up`, () => probes.restart, { attempts: 240, intervalMs: 1000 });
      const failures = probes.failures("startup");
      assert.deepEqual(failures, Array(container.startupProbe.failureThreshold).fill("HTTP probe failed with statuscode: 404"));
      assert.equal(probes.restart, `Container ${name} failed startup probe, will be restarted (HTTP probe failed with statuscode: 404)`);
      assert.deepEqual(
        probes.records.filter((record) => record.kind !== "startup"),
        [],
      );
      assert.equal(probes.ready, false);
      // The same service still passes its own rendered readiness probe: only the path differs.
      assert.deepEqual((await probeOnce(workload(name).container.readinessProbe, workload(name).container, "127.0.0.1")).result, "success");
    }
    // A TCP probe: a connection to the http port opens; one to a port nobody listens on is refused.
    const container = workload("items-py").container;
    assert.equal((await probeOnce({ tcpSocket: { port: "http" }, timeoutSeconds: 5 }, container, "127.0.0.1")).result, "success");
    const closed = await probeOnce({ tcpSocket: { port: 1 }, timeoutSeconds: 5 }, container, "127.0.0.1");
    assert.deepEqual(closed, { result: "failure", output: "dial tcp 127.0.0.1:1: connect: connection refused" });
  });

  it("Prometheus, with the local render's config and args, scrapes both services through the rendered discovery and relabeling: up == 1 for each app", async () => {
    fs.mkdirSync(file("rules"));
    fs.writeFileSync(file("rules/alerts.yaml"), render.configMapData("observability", "prometheus-rules", "alerts.yaml"));
    const config = toLoopback(render.configMapData("observability", "prometheus-config", "prometheus.yml"), {
      hosts: ["localhost"],
      paths: { "/etc/prometheus/rules/alerts.yaml": file("rules/alerts.yaml") },
    });
    // Debian's Prometheus has no Kubernetes discovery (prometheus.systems.ts shows it): each pod is handed
    // over by file, with the labels discovery would give it, and every rendered relabeling runs as it is.
    const groups = SERVICES.map((name) => podTargetGroup(workload(name).deployment, "127.0.0.1"));
    fs.writeFileSync(file("pods.json"), JSON.stringify(groups));
    // The same config for either pod; building it for each refuses a pod the rendered discovery would not find.
    const [checked] = SERVICES.map((name) => podDiscoveryFromFile(config, file("pods.json"), { namespace: NAMESPACE, labels: workload(name).deployment.spec.template.metadata.labels }));
    fs.writeFileSync(file("prometheus.yml"), checked!);
    const container = render.object("StatefulSet", "observability", "prometheus").spec.template.spec.containers[0];
    const args = toLoopback((container.args as string[]).join("\n"), {
      hosts: ["0.0.0.0"],
      paths: { "/etc/prometheus/config/prometheus.yml": file("prometheus.yml"), "/prometheus": file("data") },
    }).split("\n");
    const url = `http://${args.find((arg) => arg.startsWith("--web.listen-address="))!.split("=")[1]!}`;
    await assertPortsFree([Number(new URL(url).port)]);
    const prometheus = processes.start("prometheus-local", "prometheus", args);
    await waitFor("Prometheus /-/ready", async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), { running: prometheus, attempts: 120 });
    for (const name of SERVICES) {
      const query = encodeURIComponent(`up{job="kubernetes-pods",namespace="${NAMESPACE}",app="${name}"}`);
      const up = await waitFor(
        `up{app="${name}"} == 1 (scrape_interval 30s)`,
        async () => {
          const result = (await httpJson<Any>(`${url}/api/v1/query?query=${query}`)).data.result as Any[];
          return result.length === 1 && result[0].value[1] === "1" ? result[0] : undefined;
        },
        { running: prometheus, attempts: 120, intervalMs: 1000 },
      );
      const port = workload(name).container.ports.find((entry: Any) => entry.name === "http").containerPort;
      assert.equal(up.metric.instance, `127.0.0.1:${port}`);
    }
    const targets = (await httpJson<Any>(`${url}/api/v1/targets`)).data.activeTargets.filter((target: Any) => target.labels.job === "kubernetes-pods");
    assert.deepEqual(targets.map((target: Any) => `${target.labels.app} ${target.scrapeUrl} ${target.health}`).sort(), [
      "items-api http://127.0.0.1:8000/metrics up",
      "items-py http://127.0.0.1:8080/metrics up",
    ]);
  });

  it("items-py on SIGTERM: its rendered readiness probe fails with 503 while it drains, then it stops within the rendered grace period", async () => {
    const service = workload("items-py");
    const readiness = service.container.readinessProbe;
    assert.equal((await probeOnce(readiness, service.container, "127.0.0.1")).result, "success");
    const grace = service.deployment.spec.template.spec.terminationGracePeriodSeconds as number;
    process.kill(service.running.child.pid!, "SIGTERM");
    const draining = await waitFor("readiness to fail after SIGTERM", async () => {
      const outcome = await probeOnce(readiness, service.container, "127.0.0.1");
      return outcome.result === "failure" ? outcome : undefined;
    });
    assert.deepEqual(draining, { result: "failure", output: "HTTP probe failed with statuscode: 503" });
    // Still alive while draining: liveness passes, so the kubelet would not kill it early.
    assert.equal((await probeOnce(service.container.livenessProbe, service.container, "127.0.0.1")).result, "success");
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([service.running.exited, new Promise((resolve) => (timer = setTimeout(() => resolve("still running"), grace * 1000)))]);
    clearTimeout(timer);
    // uvicorn raises SIGTERM again once it has stopped cleanly, so the process ends by that signal.
    assert.equal(exit, "SIGTERM", service.running.output().slice(-2000));
    assert.match(service.running.output(), /"event": "shutdown_started"[\s\S]*"event": "application_stopped"/);
  });
});
