/**
 * kube-state-metrics as the staging render declares it, against the local cluster's real kube-apiserver: the
 * real program (built from the Go module proxy at the image's version) runs with the rendered arguments and a
 * token of the rendered ServiceAccount, bound to the rendered ClusterRole, so the API server itself decides
 * whether the role is enough (a missing right shows as "forbidden" in its log, and its series stay empty).
 * The real Prometheus scrapes it with the rendered job, and answers for a Deployment, its pods and an HPA that
 * exist in the cluster.
 *
 * cAdvisor is not run: the local cluster's nodes are simulated (no kubelet serves /metrics/cadvisor), so the
 * cAdvisor job is checked by the unit tests only.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { parse, stringify } from "yaml";
import { KUBE_STATE_METRICS, KUBE_STATE_METRICS_PORTS, kubeStateMetricsTarget } from "../../components/observability/kube-state-metrics";
import { KUBE_STATE_METRICS_JOB } from "../../components/observability/prometheus/prometheusConfig";
import { clusterDown, clusterPaths, clusterUp, kubeClient, loadKubeConfig } from "../../scripts/lib/localCluster";
import { kubernetesObjects } from "../../scripts/lib/manifests";
import { PROJECT_ROOT } from "../../scripts/lib/stackFile";
import { edited } from "../support/stackEdits";
import { toLoopback } from "../systems/support/loopback";
import { programs } from "../systems/support/programs";
import { assertPortsFree, freePort, httpJson, Processes, waitFor } from "../systems/support/processes";
import { renderStack, type StackRender } from "../systems/support/render";

type Any = Record<string, any>;

// Namespaces of this test alone: the platform's (where kube-state-metrics' ServiceAccount lives) and the
// workload's it reports on.
const PLATFORM_NAMESPACE = "ksm-e2e";
const APPS_NAMESPACE = "ksm-e2e-apps";
const WORKLOAD = "web";
const REPLICAS = 2;
const HPA = { min: 2, max: 5 };

const log = (line: string) => console.log(`      ${line}`);

describe("kube-state-metrics: the staging render against the local cluster's API server, scraped by the real Prometheus", function () {
  this.timeout(600_000);
  const processes = new Processes();
  const paths = clusterPaths(PROJECT_ROOT);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-ksm-"));
  let createdCluster = false;
  let kube: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let rbac: k8s.RbacAuthorizationV1Api;
  let render: StackRender;
  let prometheusUrl: string;
  let ksmLog: () => string;
  const clusterObjects: { kind: "ClusterRole" | "ClusterRoleBinding"; name: string }[] = [];

  const rendered = (kind: string, name: string): Any => {
    const found = kubernetesObjects(render.resources).find((object) => object.kind === kind && object.metadata.name === name);
    assert.ok(found, `the render has no ${kind} ${name}`);
    // Only what the API server accepts on create: the render's own fields, without Pulumi's annotations.
    const copy = structuredClone(found) as Any;
    delete copy.metadata.annotations;
    return copy;
  };
  const query = async (promql: string): Promise<Any[]> => (await httpJson<Any>(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`)).data.result;
  /** Waits until the query returns exactly `count` series (one scrape interval, or a little more). */
  const seriesOf = (promql: string, count: number): Promise<Any[]> =>
    waitFor(`${count} series of ${promql}`, async () => {
      const result = await query(promql);
      return result.length === count ? result : undefined;
    }, { attempts: 120, intervalMs: 1000 });

  before(async function () {
    this.timeout(40 * 60_000); // a cold build of the cluster's programs, when they are missing
    const ksmBinary = programs.kubeStateMetrics();
    createdCluster = (await clusterUp(paths, log)).created;
    kube = (await loadKubeConfig(paths))!;
    const client = await kubeClient();
    core = kube.makeApiClient(client.CoreV1Api);
    rbac = kube.makeApiClient(client.RbacAuthorizationV1Api);
    const apps = kube.makeApiClient(client.AppsV1Api);
    const autoscaling = kube.makeApiClient(client.AutoscalingV2Api);

    render = await renderStack(
      "staging",
      edited("staging", (values) => {
        values.namespaces = { ...(values.namespaces ?? {}), observability: PLATFORM_NAMESPACE };
      }),
    );

    // The render's ServiceAccount, ClusterRole and binding, as `pulumi up` would create them.
    for (const name of [PLATFORM_NAMESPACE, APPS_NAMESPACE]) await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedServiceAccount({ namespace: PLATFORM_NAMESPACE, body: rendered("ServiceAccount", KUBE_STATE_METRICS) });
    const roleName = `${PLATFORM_NAMESPACE}-${KUBE_STATE_METRICS}`;
    await rbac.createClusterRole({ body: rendered("ClusterRole", roleName) as k8s.V1ClusterRole });
    clusterObjects.push({ kind: "ClusterRole", name: roleName });
    await rbac.createClusterRoleBinding({ body: rendered("ClusterRoleBinding", roleName) as k8s.V1ClusterRoleBinding });
    clusterObjects.push({ kind: "ClusterRoleBinding", name: roleName });

    // What it reports on: a Deployment (its pods run on the simulated nodes) and an HPA for it.
    const labels = { "app.kubernetes.io/name": WORKLOAD };
    await apps.createNamespacedDeployment({
      namespace: APPS_NAMESPACE,
      body: {
        metadata: { name: WORKLOAD, labels },
        spec: {
          replicas: REPLICAS,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: WORKLOAD, image: "registry.example/web:1", resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } } }] },
          },
        },
      },
    });
    await autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace: APPS_NAMESPACE,
      body: {
        metadata: { name: WORKLOAD },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: WORKLOAD },
          minReplicas: HPA.min,
          maxReplicas: HPA.max,
          metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }],
        },
      },
    });

    // A kubeconfig holding only the ServiceAccount's token, as the pod's mounted token would be used.
    const token = (await core.createNamespacedServiceAccountToken({ name: KUBE_STATE_METRICS, namespace: PLATFORM_NAMESPACE, body: { spec: { expirationSeconds: 3600 } } })).status?.token;
    assert.ok(token, "TokenRequest returned no token");
    const cluster = kube.getCurrentCluster()!;
    const caData = cluster.caData ?? Buffer.from(fs.readFileSync(cluster.caFile!)).toString("base64");
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "local", cluster: { server: cluster.server, "certificate-authority-data": caData } }],
        users: [{ name: KUBE_STATE_METRICS, user: { token } }],
        contexts: [{ name: "ksm", context: { cluster: "local", user: KUBE_STATE_METRICS } }],
        "current-context": "ksm",
      }),
      { mode: 0o600 },
    );

    // kube-state-metrics with the rendered arguments, on loopback.
    const container = render.object("Deployment", PLATFORM_NAMESPACE, KUBE_STATE_METRICS).spec.template.spec.containers[0];
    const ksmArgs = toLoopback((container.args as string[]).join("\n"), { hosts: ["0.0.0.0"] }).split("\n");
    await assertPortsFree(Object.values(KUBE_STATE_METRICS_PORTS));
    const ksm = processes.start("kube-state-metrics", ksmBinary, [...ksmArgs, `--kubeconfig=${kubeconfig}`]);
    ksmLog = ksm.output;
    await waitFor(
      "kube-state-metrics /readyz",
      async () => ((await fetch(`http://127.0.0.1:${KUBE_STATE_METRICS_PORTS.telemetry}/readyz`).catch(() => undefined))?.ok ? true : undefined),
      { running: ksm, attempts: 120, intervalMs: 1000 },
    );

    // Prometheus with the rendered global settings and the rendered kube-state-metrics job (its Service's host on
    // loopback). The other jobs need Kubernetes discovery, which Debian's build lacks, and targets not run here.
    const renderedConfig = parse(
      toLoopback(render.configMapData(PLATFORM_NAMESPACE, "prometheus-config", "prometheus.yml"), { hosts: [kubeStateMetricsTarget(PLATFORM_NAMESPACE).split(":")[0]!] }),
    ) as Any;
    const config = { global: renderedConfig.global, scrape_configs: renderedConfig.scrape_configs.filter((job: Any) => job.job_name === KUBE_STATE_METRICS_JOB) };
    assert.equal(config.scrape_configs.length, 1, "the render has no kube-state-metrics job");
    fs.writeFileSync(path.join(dir, "prometheus.yml"), stringify(config));
    const prometheusContainer = render.object("StatefulSet", PLATFORM_NAMESPACE, "prometheus").spec.template.spec.containers[0];
    // Prometheus's own port is not what this test is about (the systems test keeps it): any free one, so a
    // Prometheus already running on this host does not stop it.
    const prometheusPort = await freePort();
    const prometheusArgs = toLoopback((prometheusContainer.args as string[]).join("\n"), {
      paths: { "/etc/prometheus/config/prometheus.yml": path.join(dir, "prometheus.yml"), "/prometheus": path.join(dir, "data") },
    })
      .split("\n")
      .map((arg) => (arg.startsWith("--web.listen-address=") ? `--web.listen-address=127.0.0.1:${prometheusPort}` : arg));
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    const prometheus = processes.start("prometheus", "prometheus", prometheusArgs);
    await waitFor("Prometheus /-/ready", async () => ((await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok ? true : undefined), { running: prometheus });
  });

  after(async function () {
    this.timeout(5 * 60_000);
    await processes.stopAll();
    // Whatever failed above, nothing of this run stays in the cluster, and a cluster this run started stops.
    for (const { kind, name } of clusterObjects) {
      const remove = kind === "ClusterRole" ? rbac.deleteClusterRole({ name }) : rbac.deleteClusterRoleBinding({ name });
      await remove.catch((error: Error) => log(`cleanup of ${kind} ${name} failed: ${error.message}`));
    }
    for (const name of [PLATFORM_NAMESPACE, APPS_NAMESPACE]) await core?.deleteNamespace({ name }).catch(() => undefined);
    if (createdCluster) clusterDown(paths, log);
  });

  it("Prometheus scrapes kube-state-metrics with the rendered job: one target, up, at the Service's port", async () => {
    const target = await waitFor(
      "the kube-state-metrics target to be up (scrape_interval 30s)",
      async () => (await httpJson<Any>(`${prometheusUrl}/api/v1/targets`)).data.activeTargets.find((entry: Any) => entry.labels.job === KUBE_STATE_METRICS_JOB && entry.health === "up"),
      { attempts: 120, intervalMs: 1000 },
    );
    assert.equal(target.scrapeUrl, `http://127.0.0.1:${KUBE_STATE_METRICS_PORTS.metrics}/metrics`);
  });

  it("answers kube_deployment_status_replicas for the Deployment, labelled with its own namespace (honor_labels)", async () => {
    const [series] = await seriesOf(`kube_deployment_status_replicas{namespace="${APPS_NAMESPACE}",deployment="${WORKLOAD}"} == ${REPLICAS}`, 1);
    assert.equal(series!.metric.job, KUBE_STATE_METRICS_JOB);
    assert.equal(Number(series!.value[1]), REPLICAS);
  });

  it("answers kube_pod_container_status_restarts_total and the container limits for each of its pods", async () => {
    const restarts = await seriesOf(`kube_pod_container_status_restarts_total{namespace="${APPS_NAMESPACE}",container="${WORKLOAD}"}`, REPLICAS);
    assert.deepEqual(
      restarts.map((series) => Number(series.value[1])),
      Array(REPLICAS).fill(0),
    );
    const limits = await seriesOf(`kube_pod_container_resource_limits{namespace="${APPS_NAMESPACE}",container="${WORKLOAD}",resource="memory"}`, REPLICAS);
    assert.deepEqual(
      limits.map((series) => Number(series.value[1])),
      Array(REPLICAS).fill(128 * 2 ** 20),
    );
  });

  it("answers the HPA's minimum and maximum replicas", async () => {
    const [max] = await seriesOf(`kube_horizontalpodautoscaler_spec_max_replicas{namespace="${APPS_NAMESPACE}",horizontalpodautoscaler="${WORKLOAD}"}`, 1);
    const [min] = await seriesOf(`kube_horizontalpodautoscaler_spec_min_replicas{namespace="${APPS_NAMESPACE}",horizontalpodautoscaler="${WORKLOAD}"}`, 1);
    assert.deepEqual([Number(min!.value[1]), Number(max!.value[1])], [HPA.min, HPA.max]);
  });

  it("the rendered ClusterRole is enough: kube-state-metrics logged no forbidden or failed list", () => {
    const problems = ksmLog()
      .split("\n")
      .filter((line) => /forbidden|failed to list|Unauthorized/i.test(line));
    assert.deepEqual(problems, []);
  });
});
