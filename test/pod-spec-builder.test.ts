import * as assert from "node:assert/strict";
import { workloadExemptionAnnotations } from "../components/k8s/lintExemptions";
import { DEFAULT_RUN_AS, httpProbe, probesIdentical, scratchVolume, secureContainer, tcpProbe } from "../components/k8s/podSpec";
import { objectsOf, stackRun } from "./support/runs";

type Any = any;

const TIMING = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
const RESOURCES = {
  requests: { cpu: "10m", memory: "16Mi", ephemeralStorage: "16Mi" },
  limits: { cpu: "100m", memory: "64Mi", ephemeralStorage: "64Mi" },
};

describe("the secure workload builder", () => {
  it("refuses a container whose readiness and liveness probes make the same check, naming the container", () => {
    const probes = { readiness: httpProbe("/health", "api", TIMING), liveness: httpProbe("/health", "api", { ...TIMING, periodSeconds: 30 }) };
    assert.throws(
      () => secureContainer({ name: "vector", image: "x:1", runAs: DEFAULT_RUN_AS, resources: RESOURCES, probes }),
      /container vector: its readiness and liveness probes make the same check/,
    );
  });

  it("treats probes as identical the way kube-score does: same path on named ports, same TCP port, same command", () => {
    assert.equal(probesIdentical(httpProbe("/status", "health", TIMING), httpProbe("/status", "other", TIMING)), true);
    assert.equal(probesIdentical(httpProbe("/ready", "web", TIMING), httpProbe("/healthy", "web", TIMING)), false);
    assert.equal(probesIdentical(tcpProbe("http", TIMING), tcpProbe("http", TIMING)), true);
    assert.equal(probesIdentical(tcpProbe("http", TIMING), tcpProbe("transport", TIMING)), false);
    assert.equal(probesIdentical(httpProbe("/health", "api", TIMING), tcpProbe("api", TIMING)), false);
    assert.equal(probesIdentical({ exec: { command: ["a"] } }, { exec: { command: ["a"] } }), true);
  });

  it("puts a scratch dir in memory only when asked", () => {
    assert.deepEqual(scratchVolume({ name: "password", mountPath: "/p", sizeLimit: "1Mi", medium: "Memory" }).emptyDir, { medium: "Memory", sizeLimit: "1Mi" });
    assert.deepEqual(scratchVolume({ name: "tmp", mountPath: "/tmp" }).emptyDir, { sizeLimit: "64Mi" });
  });

  it("derives the digest exemption from the pod's images: present for a tag, gone once every image has a digest", () => {
    const digest = `@sha256:${"a".repeat(64)}`;
    const key = "checkov.lint-exemption.blueprint.io/CKV_K8S_43";
    assert.ok(workloadExemptionAnnotations({ containers: [{ name: "a", image: "x:1" }], initContainers: [{ name: "b", image: `x:1${digest}` }] })[key]);
    assert.equal(workloadExemptionAnnotations({ containers: [{ name: "a", image: `x:1${digest}` }] })[key], undefined);
  });

  for (const stack of ["staging", "production"]) {
    it(`gives every StatefulSet on ${stack} a headless Service of its own name that selects its pods`, async () => {
      const objects = objectsOf(await stackRun(stack)) as Any[];
      const statefulSets = objects.filter((object) => object.kind === "StatefulSet");
      assert.ok(statefulSets.length >= 3);
      for (const set of statefulSets) {
        const service = objects.find(
          (object) => object.kind === "Service" && object.metadata.name === set.spec.serviceName && object.metadata.namespace === set.metadata.namespace,
        );
        assert.ok(service, `${set.metadata.name}: no Service ${set.spec.serviceName}`);
        assert.equal(service.spec.clusterIP, "None", set.metadata.name);
        const labels = set.spec.template.metadata.labels;
        assert.ok(Object.entries(service.spec.selector).every(([key, value]) => labels[key] === value), set.metadata.name);
      }
    });
  }
});
