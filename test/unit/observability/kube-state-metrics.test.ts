import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { KUBE_STATE_METRICS_IMAGE } from "../../../components/images";
import { restrictedViolations } from "../../../policy/checks/podSecurity";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { enforcedDirections, openedFlows } from "../../support/policyFlows";
import { findObject, objectsOf, runWith, stackRun, type MockRun } from "../../support/runs";

type Any = Record<string, any>;
const NS = "observability";
const KSM = { "app.kubernetes.io/name": "kube-state-metrics" };
const DNS = ["to kube-system/k8s-app=kube-dns TCP/53", "to kube-system/k8s-app=kube-dns UDP/53"];
const API_SERVER = { staging: "192.0.2.10/32", production: "192.0.2.20/32" };
// Staging's default one; production's two, so a drain never leaves the panels without series.
const REPLICAS = { staging: 1, production: 2 };

const scrapeJobs = (run: MockRun): Any[] => parse((findObject(run, "ConfigMap", "prometheus-config", NS) as Any).data["prometheus.yml"]).scrape_configs;
const job = (run: MockRun, name: string): Any | undefined => scrapeJobs(run).find((entry) => entry.job_name === name);

for (const stack of ["staging", "production"] as const) {
  describe(`kube-state-metrics on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    it(`runs ${REPLICAS[stack]} replica(s) of the pinned image, watching exactly pods, deployments, statefulsets, daemonsets and HPAs`, () => {
      const deployment = findObject(run, "Deployment", "kube-state-metrics", NS) as Any;
      assert.equal(deployment.spec.replicas, REPLICAS[stack]);
      const container = deployment.spec.template.spec.containers[0];
      assert.equal(container.image, KUBE_STATE_METRICS_IMAGE);
      assert.match(container.image, /^registry\.k8s\.io\/kube-state-metrics\/kube-state-metrics:v2\.20\.0@sha256:[a-f0-9]{64}$/);
      assert.deepEqual(container.args, [
        "--host=0.0.0.0",
        "--port=8080",
        "--telemetry-host=0.0.0.0",
        "--telemetry-port=8081",
        "--resources=pods,deployments,statefulsets,daemonsets,horizontalpodautoscalers",
      ]);
      assert.deepEqual(container.resources.requests, { cpu: "20m", memory: "64Mi", "ephemeral-storage": "16Mi" });
    });

    it("probes /livez on the metrics port and /readyz on the telemetry port, as kube-state-metrics serves them", () => {
      const container = (findObject(run, "Deployment", "kube-state-metrics", NS) as Any).spec.template.spec.containers[0];
      assert.deepEqual([container.livenessProbe.httpGet.path, container.livenessProbe.httpGet.port], ["/livez", "http-metrics"]);
      assert.deepEqual([container.readinessProbe.httpGet.path, container.readinessProbe.httpGet.port], ["/readyz", "telemetry"]);
      assert.deepEqual(
        container.ports.map((port: Any) => [port.name, port.containerPort]),
        [
          ["http-metrics", 8080],
          ["telemetry", 8081],
        ],
      );
    });

    it("passes the restricted Pod Security profile, mounts its token and has a PodDisruptionBudget", () => {
      const deployment = findObject(run, "Deployment", "kube-state-metrics", NS) as Any;
      assert.deepEqual(restrictedViolations(deployment.spec.template.spec), []);
      assert.equal(deployment.spec.template.spec.automountServiceAccountToken, true);
      assert.equal(deployment.spec.template.spec.serviceAccountName, "kube-state-metrics");
      assert.ok(findObject(run, "PodDisruptionBudget", "kube-state-metrics", NS));
    });

    it("is bound to a ClusterRole of list and watch on exactly the watched resources, nothing else", () => {
      const role = findObject(run, "ClusterRole", "observability-kube-state-metrics") as Any;
      assert.deepEqual(role.rules, [
        { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
        { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "daemonsets"], verbs: ["list", "watch"] },
        { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ["list", "watch"] },
      ]);
      const binding = findObject(run, "ClusterRoleBinding", "observability-kube-state-metrics") as Any;
      assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "observability-kube-state-metrics" });
      assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "kube-state-metrics", namespace: NS }]);
    });

    it("accepts only Prometheus on the metrics port and connects only to the API server (and DNS)", () => {
      assert.deepEqual(enforcedDirections(objectsOf(run), NS, KSM), ["Egress", "Ingress"]);
      const flows = openedFlows(objectsOf(run), NS, KSM);
      assert.deepEqual(flows.ingress, ["from observability/app.kubernetes.io/name=prometheus TCP/8080"]);
      assert.deepEqual(flows.egress, [...DNS, `to cidr:${API_SERVER[stack]} TCP/6443`].sort());
    });

    it("is scraped by Prometheus through its Service with honor_labels, so the objects' namespace and pod labels stay", () => {
      assert.deepEqual(job(run, "kube-state-metrics"), {
        job_name: "kube-state-metrics",
        honor_labels: true,
        static_configs: [{ targets: ["kube-state-metrics.observability.svc.cluster.local:8080"] }],
      });
      const service = findObject(run, "Service", "kube-state-metrics", NS) as Any;
      assert.deepEqual(service.spec.ports, [{ name: "http-metrics", port: 8080, targetPort: "http-metrics", protocol: "TCP" }]);
    });
  });

  describe(`cAdvisor scrape on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    it("discovers the nodes and scrapes each kubelet's /metrics/cadvisor over TLS against the cluster CA with the ServiceAccount token", () => {
      const cadvisor = job(run, "kubelet-cadvisor")!;
      assert.ok(cadvisor, "no kubelet-cadvisor job");
      assert.deepEqual(cadvisor.kubernetes_sd_configs, [{ role: "node" }]);
      assert.equal(cadvisor.scheme, "https");
      assert.equal(cadvisor.metrics_path, "/metrics/cadvisor");
      assert.equal(cadvisor.honor_labels, true);
      assert.deepEqual(cadvisor.authorization, { credentials_file: "/var/run/secrets/kubernetes.io/serviceaccount/token" });
      // Verified, never insecure_skip_verify: the kubelets' serving certificates must be signed by the cluster CA.
      assert.deepEqual(cadvisor.tls_config, { ca_file: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt" });
    });

    it("keeps only the container CPU, throttling, memory and OOM series, and no pod-sandbox or cgroup totals", () => {
      const [keep, drop] = job(run, "kubelet-cadvisor")!.metric_relabel_configs;
      const kept = new RegExp(`^(?:${keep.regex})$`);
      for (const name of ["container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "container_cpu_cfs_throttled_periods_total", "container_oom_events_total"]) assert.ok(kept.test(name), name);
      for (const name of ["container_network_receive_bytes_total", "container_fs_reads_total", "machine_cpu_cores", "container_cpu_usage_seconds_total_x"]) assert.ok(!kept.test(name), name);
      assert.deepEqual(keep.source_labels, ["__name__"]);
      const dropped = new RegExp(`^(?:${drop.regex})$`);
      assert.deepEqual([dropped.test("POD"), dropped.test(""), dropped.test("items-api")], [true, true, false]);
    });

    it("grants Prometheus pods and nodes list/watch and nodes/metrics get: no nodes/proxy", () => {
      const role = findObject(run, "ClusterRole", "observability-prometheus-discovery") as Any;
      assert.deepEqual(role.rules, [
        { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
        { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
      ]);
    });
  });
}

function withKubelet(kubelet: unknown): Promise<MockRun> {
  const raw = loadStackFile("staging");
  const observability = raw.values.observability as Any;
  const prometheus = { ...observability.prometheus, kubelet };
  if (kubelet === undefined) delete prometheus.kubelet;
  return runWith("staging", { values: { ...raw.values, observability: { ...observability, prometheus } }, secretKeys: raw.secretKeys });
}

describe("The kubelets' addresses from config", () => {
  it("without them, no cAdvisor job, no node rights and no egress to 10250", async () => {
    const run = await withKubelet(undefined);
    assert.equal(job(run, "kubelet-cadvisor"), undefined);
    assert.deepEqual((findObject(run, "ClusterRole", "observability-prometheus-discovery") as Any).rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] }]);
    const egress = openedFlows(objectsOf(run), NS, { "app.kubernetes.io/name": "prometheus" }).egress;
    assert.deepEqual(
      egress.filter((flow) => flow.endsWith("/10250")),
      [],
    );
  });

  it("opens Prometheus' egress to each configured range on the configured port", async () => {
    const run = await withKubelet({ cidrs: ["10.20.0.0/16", "10.30.0.0/16"], port: 10255 });
    const egress = openedFlows(objectsOf(run), NS, { "app.kubernetes.io/name": "prometheus" }).egress;
    assert.deepEqual(
      egress.filter((flow) => flow.includes("cidr:10.")),
      ["to cidr:10.20.0.0/16 TCP/10255", "to cidr:10.30.0.0/16 TCP/10255"],
    );
  });

  it("refuses every address (/0) and a non-CIDR with a message naming the field", async () => {
    await assert.rejects(withKubelet({ cidrs: ["0.0.0.0/0"] }), /prometheus\.kubelet\.cidrs\.0[\s\S]*not every address \(\/0\)/);
    await assert.rejects(withKubelet({ cidrs: ["nodes"] }), /prometheus\.kubelet\.cidrs\.0[\s\S]*CIDR/);
  });
});
