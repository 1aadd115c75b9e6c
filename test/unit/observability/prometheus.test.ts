import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { PROMETHEUS_IMAGE } from "../../../components/observability/prometheus";
import { restrictedViolations } from "../../../policy/checks/podSecurity";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { findObject, runWith, stackRun, type MockRun } from "../../support/runs";
import { checksumAnnotationKey } from "../../../components/k8s/objectMeta";

type Any = Record<string, any>;
const NS = "observability";

function statefulSet(run: MockRun): Any {
  return findObject(run, "StatefulSet", "prometheus", NS) as Any;
}
function scrapeConfig(run: MockRun): Any {
  return parse((findObject(run, "ConfigMap", "prometheus-config", NS) as Any).data["prometheus.yml"]);
}
function podsJob(run: MockRun): Any {
  return scrapeConfig(run).scrape_configs.find((job: Any) => job.job_name === "kubernetes-pods");
}

/** Applies the job's relabel rules to one target's labels, the way Prometheus does (keep/drop/replace). */
function relabel(rules: Any[], labels: Record<string, string>): Record<string, string> | undefined {
  let current = { ...labels };
  for (const rule of rules) {
    const value = (rule.source_labels ?? []).map((name: string) => current[name] ?? "").join(";");
    const regex = new RegExp(`^(?:${rule.regex ?? "(.*)"})$`);
    const match = regex.exec(value);
    if (rule.action === "keep" && !match) return undefined;
    if (rule.action === "drop" && match) return undefined;
    if (rule.action === "replace" && match) {
      current = { ...current, [rule.target_label]: (rule.replacement ?? "$1").replace(/\$(\d)/g, (_: string, index: string) => match[Number(index)] ?? "") };
    }
  }
  return current;
}

const itemsApiPod = (annotations: Record<string, string>) => ({
  __address__: "10.1.2.3:8000",
  __meta_kubernetes_namespace: "apps",
  __meta_kubernetes_pod_name: "items-api-7d9f-abcde",
  __meta_kubernetes_pod_phase: "Running",
  __meta_kubernetes_pod_label_app_kubernetes_io_name: "items-api",
  __meta_kubernetes_pod_label_observability_blueprint_io_enrolled: "true",
  ...annotations,
});

const EXPECTED = {
  staging: { retention: "7d", volume: "10Gi", retentionSize: "8192MB", cpuRequest: "100m", memoryLimit: "1Gi" },
  production: { retention: "30d", volume: "100Gi", retentionSize: "81920MB", cpuRequest: "500m", memoryLimit: "4Gi" },
} as const;

for (const stack of ["staging", "production"] as const) {
  describe(`Prometheus on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));
    const expected = EXPECTED[stack];

    it(`runs one StatefulSet pod with the pinned image and the ${stack} sizing`, () => {
      const set = statefulSet(run);
      assert.equal(set.spec.replicas, 1);
      const container = set.spec.template.spec.containers[0];
      assert.equal(container.image, PROMETHEUS_IMAGE);
      assert.match(container.image, /^prom\/prometheus:v3\.\d+\.\d+@sha256:[a-f0-9]{64}$/);
      assert.equal(container.resources.requests.cpu, expected.cpuRequest);
      assert.equal(container.resources.limits.memory, expected.memoryLimit);
      assert.ok(container.resources.limits["ephemeral-storage"]);
    });

    it(`keeps /prometheus on a ${expected.volume} volume with ${expected.retention} retention and a size cap below the volume`, () => {
      const set = statefulSet(run);
      const [claim] = set.spec.volumeClaimTemplates;
      assert.equal(claim.spec.resources.requests.storage, expected.volume);
      const container = set.spec.template.spec.containers[0];
      assert.deepEqual(
        container.volumeMounts.find((mount: Any) => mount.mountPath === "/prometheus"),
        { name: claim.metadata.name, mountPath: "/prometheus" },
      );
      assert.ok(container.args.includes("--storage.tsdb.path=/prometheus"));
      assert.ok(container.args.includes(`--storage.tsdb.retention.time=${expected.retention}`));
      assert.ok(container.args.includes(`--storage.tsdb.retention.size=${expected.retentionSize}`));
      assert.ok(container.args.includes("--config.file=/etc/prometheus/config/prometheus.yml"));
    });

    it("runs as nobody (65534) with fsGroup 65534 under the restricted Pod Security Standard", () => {
      const pod = statefulSet(run).spec.template.spec;
      assert.deepEqual(restrictedViolations(pod), []);
      assert.deepEqual(
        [pod.securityContext.runAsUser, pod.securityContext.runAsGroup, pod.securityContext.fsGroup],
        [65534, 65534, 65534],
      );
    });

    it("mounts a service-account token on purpose, bound to a ClusterRole that grants only what pod and node discovery and the kubelets' cAdvisor call", () => {
      const pod = statefulSet(run).spec.template.spec;
      assert.equal(pod.serviceAccountName, "prometheus");
      assert.equal(pod.automountServiceAccountToken, true);
      const role = findObject(run, "ClusterRole", "observability-prometheus-discovery") as Any;
      const granted = role.rules.flatMap((rule: Any) => rule.resources.map((resource: string) => `${rule.apiGroups[0]}/${resource}:${[...rule.verbs].sort().join(",")}`));
      // role: pod and role: node list and watch; the kubelet checks get nodes/metrics. Nothing reads services,
      // endpoints or endpointslices, and nothing gets nodes/proxy.
      assert.deepEqual(granted.sort(), ["/nodes/metrics:get", "/nodes:list,watch", "/pods:list,watch"]);
      const binding = findObject(run, "ClusterRoleBinding", "observability-prometheus-discovery") as Any;
      assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "prometheus", namespace: NS }]);
      assert.equal(binding.roleRef.name, role.metadata.name);
    });

    it("probes /-/ready for startup and readiness and /-/healthy for liveness on port 9090", () => {
      const container = statefulSet(run).spec.template.spec.containers.find((c: Any) => c.name === "prometheus");
      assert.deepEqual(container.ports, [{ name: "web", containerPort: 9090, protocol: "TCP" }]);
      assert.deepEqual(container.startupProbe.httpGet, { path: "/-/ready", port: "web" });
      assert.deepEqual(container.readinessProbe.httpGet, { path: "/-/ready", port: "web" });
      assert.deepEqual(container.livenessProbe.httpGet, { path: "/-/healthy", port: "web" });
    });

    it("has a PDB and a ClusterIP Service on 9090", () => {
      const pdb = findObject(run, "PodDisruptionBudget", "prometheus", NS) as Any;
      assert.deepEqual(pdb.spec.selector.matchLabels, { "app.kubernetes.io/name": "prometheus" });
      const service = findObject(run, "Service", "prometheus", NS) as Any;
      assert.equal(service.spec.type, "ClusterIP");
      assert.deepEqual(service.spec.ports.map((port: Any) => port.port), [9090]);
    });

    it("discovers enrolled pods (role pod, label selector) in every namespace, with no list of services or namespaces", () => {
      const job = podsJob(run);
      assert.deepEqual(job.kubernetes_sd_configs, [{ role: "pod", selectors: [{ role: "pod", label: "observability.blueprint.io/enrolled=true" }] }]);
      assert.deepEqual(scrapeConfig(run).rule_files, ["/etc/prometheus/rules/alerts.yaml"]);
      assert.equal(scrapeConfig(run).global.external_labels.environment, stack);
    });

    it("scrapes a pod annotated prometheus.io/scrape=true at the annotated port and path, labelled namespace/pod/app", () => {
      const target = relabel(
        podsJob(run).relabel_configs,
        itemsApiPod({
          __meta_kubernetes_pod_annotation_prometheus_io_scrape: "true",
          __meta_kubernetes_pod_annotation_prometheus_io_port: "9464",
          __meta_kubernetes_pod_annotation_prometheus_io_path: "/custom-metrics",
        }),
      );
      assert.ok(target);
      assert.equal(target.__address__, "10.1.2.3:9464");
      assert.equal(target.__metrics_path__, "/custom-metrics");
      assert.deepEqual([target.namespace, target.pod, target.app], ["apps", "items-api-7d9f-abcde", "items-api"]);
    });

    it("skips pods without the enrolment label or the scrape annotation, with it set to false, or not running", () => {
      const rules = podsJob(run).relabel_configs;
      assert.equal(relabel(rules, itemsApiPod({})), undefined);
      const unenrolled = itemsApiPod({ __meta_kubernetes_pod_annotation_prometheus_io_scrape: "true" }) as Record<string, string>;
      delete unenrolled.__meta_kubernetes_pod_label_observability_blueprint_io_enrolled;
      assert.equal(relabel(rules, unenrolled), undefined);
      assert.equal(relabel(rules, itemsApiPod({ __meta_kubernetes_pod_annotation_prometheus_io_scrape: "false" })), undefined);
      assert.equal(
        relabel(rules, { ...itemsApiPod({ __meta_kubernetes_pod_annotation_prometheus_io_scrape: "true" }), __meta_kubernetes_pod_phase: "Succeeded" }),
        undefined,
      );
    });

    it("would scrape the service as deployed: its pod template carries the annotations the job keeps", () => {
      const annotations = (findObject(run, "Deployment", "items-api", "apps") as Any).spec.template.metadata.annotations;
      const meta = Object.fromEntries(
        Object.entries(annotations as Record<string, string>)
          .filter(([key]) => key.startsWith("prometheus.io/"))
          .map(([key, value]) => [`__meta_kubernetes_pod_annotation_${key.replace(/[./]/g, "_")}`, value]),
      );
      const target = relabel(podsJob(run).relabel_configs, itemsApiPod(meta));
      assert.ok(target, "the service's pods would be dropped");
      assert.equal(target.__address__, "10.1.2.3:8000");
      assert.equal(target.__metrics_path__, "/metrics");
    });
  });
}

describe("Prometheus with a service in a namespace of its own", () => {
  it("needs no scrape config or NetworkPolicy change for it: both select by label", async () => {
    const raw = loadStackFile("staging");
    const services = raw.values.services as Record<string, Any>;
    const payments: Any = { ...services["items-api"], namespace: "payments", port: 9000 };
    delete payments.ingress;
    const run = await runWith("staging", { values: { ...raw.values, services: { ...services, payments } }, secretKeys: raw.secretKeys });
    const before = await stackRun("staging");
    assert.deepEqual(scrapeConfig(run), scrapeConfig(before));
    assert.deepEqual((findObject(run, "NetworkPolicy", "prometheus", NS) as Any).spec, (findObject(before, "NetworkPolicy", "prometheus", NS) as Any).spec);
    const namespace = findObject(run, "Namespace", "payments") as Any;
    assert.equal(namespace.metadata.labels["observability.blueprint.io/enrolled"], "true");
  });
});

describe("Prometheus reloads config and rules without a restart", () => {
  for (const stack of ["staging", "production"] as const) {
    it(`runs a config reloader next to Prometheus on ${stack}, and no config checksum rolls the pod`, async () => {
      const pod = statefulSet(await stackRun(stack)).spec.template;
      const prometheus = pod.spec.containers.find((c: Any) => c.name === "prometheus");
      const reloader = pod.spec.containers.find((c: Any) => c.name === "config-reloader");
      assert.ok(prometheus.args.includes("--web.enable-lifecycle"));
      assert.ok(reloader, "no config reloader");
      assert.ok(reloader.args.includes("--reload-url=http://127.0.0.1:9090/-/reload"));
      for (const dir of ["/etc/prometheus/config", "/etc/prometheus/rules"]) assert.ok(reloader.args.includes(`--watched-dir=${dir}`), dir);
      assert.deepEqual(restrictedViolations(pod.spec), []);
      assert.equal(pod.metadata.annotations?.[checksumAnnotationKey("config")], undefined);
    });
  }
});
