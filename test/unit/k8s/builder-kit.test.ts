import * as assert from "node:assert/strict";
import { servicePort } from "../../../components/k8s/controllers";
import { ENROLMENT_LABEL, SCRAPE_ANNOTATIONS } from "../../../components/k8s/enrolment";
import { exemptionKey, parseExemptionKey } from "../../../components/k8s/exemptionKeys";
import { NAME_LABEL } from "../../../components/k8s/labels";
import { configMapMount, mountOf, secretMount } from "../../../components/k8s/mounts";
import { podTemplateMetadata } from "../../../components/k8s/objectMeta";
import { placement, servicePlacement } from "../../../components/placement";
import { appWorkloads } from "../../../components/platformEndpoints";

describe("the builder kit (components/k8s)", () => {
  it("builds a volume and its mount under one name, read-only unless asked, secrets 0440", () => {
    const settings = configMapMount("settings", "kibana-settings", "/etc/kibana/kibana.yml", { subPath: "kibana.yml" });
    const key = secretMount("key", "tls-key", "/etc/tls");
    assert.deepEqual(settings.volume, { name: "settings", configMap: { name: "kibana-settings" } });
    assert.deepEqual(settings.volumeMount, { name: "settings", mountPath: "/etc/kibana/kibana.yml", subPath: "kibana.yml", readOnly: true });
    assert.deepEqual(key.volume, { name: "key", secret: { secretName: "tls-key", defaultMode: 0o440 } });
    assert.equal(mountOf({ name: "data", emptyDir: {} }, "/data", { readOnly: false }).volumeMount.readOnly, false);
  });

  it("writes every exemption key in one grammar and reads the earlier grammars live objects may still carry", () => {
    assert.equal(exemptionKey("kube-score", "pod-probes"), "kube-score.exemption.blueprint.io/pod-probes");
    assert.deepEqual(parseExemptionKey("checkov.exemption.blueprint.io/CKV_K8S_43"), { checker: "checkov", check: "CKV_K8S_43" });
    assert.deepEqual(parseExemptionKey("policy.exemption.blueprint.io/containers-have-probes"), { checker: "policy", check: "containers-have-probes" });
    assert.deepEqual(parseExemptionKey("checkov.lint-exemption.blueprint.io/CKV_K8S_43"), { checker: "checkov", check: "CKV_K8S_43" });
    assert.deepEqual(parseExemptionKey("blueprint.io/policy-exemption.containers-have-probes"), { checker: "policy", check: "containers-have-probes" });
    assert.deepEqual(parseExemptionKey("blueprint.io/pod-security-exemption"), { checker: "policy", check: "pod-security-restricted" });
    assert.equal(parseExemptionKey("blueprint.io/allow-load-balancer"), undefined);
    assert.equal(parseExemptionKey("prometheus.io/scrape"), undefined);
  });

  it("names a Service port after the container port it forwards to", () => {
    assert.deepEqual(servicePort("http", 9200), { name: "http", port: 9200, targetPort: "http", protocol: "TCP" });
  });

  it("enrols a pod template exactly when it serves metrics, with the scrape annotations, and omits an empty annotations map", () => {
    const identity = { name: "vector-agent", component: "log-agent", namespace: "log-agent" };
    const scraped = podTemplateMetadata(identity, { metrics: { port: 9598, path: "/metrics" } });
    assert.equal(scraped.labels[ENROLMENT_LABEL], "true");
    assert.deepEqual(scraped.annotations, { [SCRAPE_ANNOTATIONS.scrape]: "true", [SCRAPE_ANNOTATIONS.port]: "9598", [SCRAPE_ANNOTATIONS.path]: "/metrics" });
    const checksummed = podTemplateMetadata(identity, { checksums: { config: "x" } });
    assert.equal(checksummed.labels[ENROLMENT_LABEL], undefined);
    assert.deepEqual(checksummed.annotations, { "checksum.blueprint.io/config": "x" });
    assert.ok(!("annotations" in podTemplateMetadata(identity)));
  });
});

describe("placement: decided once for services and the platform's systems", () => {
  const services: Parameters<typeof appWorkloads>[0] = {
    "items-api": { port: 8000, ports: {}, conventions: "blueprint", otel: true, resources: { requests: { cpu: "100m", memory: "128Mi", ephemeralStorage: "64Mi" }, limits: { cpu: "500m", memory: "256Mi", ephemeralStorage: "256Mi" } } },
    reports: { namespace: "reports", port: 8080, ports: { metrics: 9090 }, conventions: "none", metrics: { port: "metrics", path: "/prometheus" }, otel: false, resources: { requests: { cpu: "100m", memory: "128Mi", ephemeralStorage: "64Mi" }, limits: { cpu: "1", memory: "512Mi", ephemeralStorage: "256Mi" } } },
  };

  it("puts a service in the namespace it names, else the shared apps namespace, selected by its name label", () => {
    assert.deepEqual(servicePlacement("items-api", services["items-api"], "apps"), { namespace: "apps", podLabels: { [NAME_LABEL]: "items-api" } });
    assert.deepEqual(servicePlacement("reports", services.reports, "apps"), placement("reports", "reports"));
  });

  it("gives the platform's view of each service (what it scrapes and admits) the same placement", () => {
    for (const workload of appWorkloads(services, "apps")) {
      const { namespace, podLabels } = workload;
      assert.deepEqual({ namespace, podLabels }, servicePlacement(workload.name, services[workload.name], "apps"));
    }
  });
});
