import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { JAEGER_IMAGE } from "../../../components/observability/jaeger";
import { restrictedViolations } from "../../../policy/checks/podSecurity";
import { findObject, objectsOf, stackRun, type MockRun } from "../../support/runs";
import { checksumAnnotationKey } from "../../../components/k8s/objectMeta";

type Any = Record<string, any>;
const NS = "observability";

function jaegerWorkload(run: MockRun): Any {
  const kind = run.config.observability.jaeger.storage === "badger" ? "StatefulSet" : "Deployment";
  return findObject(run, kind, "jaeger", NS) as Any;
}
function jaegerConfigFile(run: MockRun): Any {
  return parse((findObject(run, "ConfigMap", "jaeger-config", NS) as Any).data["config.yaml"]);
}

const EXPECTED = {
  staging: { kind: "Deployment", storage: "memory", cpuRequest: "100m", memoryLimit: "512Mi" },
  production: { kind: "StatefulSet", storage: "badger", cpuRequest: "250m", memoryLimit: "1Gi" },
} as const;

for (const stack of ["staging", "production"] as const) {
  describe(`Jaeger on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));
    const expected = EXPECTED[stack];

    it(`runs one ${expected.kind} pod with the pinned Jaeger v2 image and the ${stack} sizing`, () => {
      const workload = jaegerWorkload(run);
      assert.equal(workload.kind, expected.kind);
      assert.equal(workload.spec.replicas, 1);
      const container = workload.spec.template.spec.containers[0];
      assert.equal(container.image, JAEGER_IMAGE);
      assert.match(container.image, /^jaegertracing\/jaeger:2\.\d+\.\d+@sha256:[a-f0-9]{64}$/);
      assert.equal(container.resources.requests.cpu, expected.cpuRequest);
      assert.equal(container.resources.limits.memory, expected.memoryLimit);
      assert.ok(container.resources.requests["ephemeral-storage"] && container.resources.limits["ephemeral-storage"]);
    });

    it("exposes OTLP gRPC 4317, OTLP HTTP 4318, the UI on 16686 and health on 13133", () => {
      const ports = jaegerWorkload(run).spec.template.spec.containers[0].ports.map((port: Any) => `${port.name}:${port.containerPort}`);
      assert.deepEqual(ports, ["otlp-grpc:4317", "otlp-http:4318", "ui:16686", "health:13133"]);
    });

    it("probes startup and readiness on the healthcheckv2 /status endpoint, liveness only that the health port answers", () => {
      const container = jaegerWorkload(run).spec.template.spec.containers[0];
      for (const probe of [container.startupProbe, container.readinessProbe]) {
        assert.deepEqual(probe.httpGet, { path: "/status", port: "health" });
      }
      assert.deepEqual(container.livenessProbe.tcpSocket, { port: "health" });
      assert.equal(container.livenessProbe.httpGet, undefined);
    });

    it("runs as UID 10001 under the restricted Pod Security Standard, with no API token", () => {
      const pod = jaegerWorkload(run).spec.template.spec;
      assert.deepEqual(restrictedViolations(pod), []);
      assert.equal(pod.securityContext.runAsUser, 10001);
      assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
      assert.equal(pod.automountServiceAccountToken, false);
    });

    it("points the collector Service at the OTLP ports the service's OTEL_EXPORTER_OTLP_ENDPOINT names", () => {
      const service = findObject(run, "Service", "jaeger-collector", NS) as Any;
      assert.deepEqual(service.spec.selector, { "app.kubernetes.io/name": "jaeger" });
      assert.deepEqual(
        service.spec.ports.map((port: Any) => [port.port, port.targetPort]),
        [
          [4317, "otlp-grpc"],
          [4318, "otlp-http"],
        ],
      );
      const endpoint = (findObject(run, "ConfigMap", "items-api-config", "apps") as Any).data.OTEL_EXPORTER_OTLP_ENDPOINT;
      assert.equal(endpoint, `http://${service.metadata.name}.${NS}.svc.cluster.local:4318`);
      const query = findObject(run, "Service", "jaeger-query", NS) as Any;
      assert.deepEqual(query.spec.ports.map((port: Any) => port.port), [16686]);
    });

    it("binds every receiver and listener of its YAML config on 0.0.0.0", () => {
      const config = jaegerConfigFile(run);
      assert.equal(config.receivers.otlp.protocols.grpc.endpoint, "0.0.0.0:4317");
      assert.equal(config.receivers.otlp.protocols.http.endpoint, "0.0.0.0:4318");
      assert.equal(config.extensions.jaeger_query.http.endpoint, "0.0.0.0:16686");
      assert.equal(config.extensions.healthcheckv2.http.endpoint, "0.0.0.0:13133");
      assert.deepEqual(config.service.pipelines.traces.receivers, ["otlp"]);
      assert.deepEqual(config.service.pipelines.traces.exporters, ["jaeger_storage_exporter"]);
      assert.deepEqual([...config.service.extensions].sort(), ["healthcheckv2", "jaeger_query", "jaeger_storage"]);
    });

    it(`stores traces in ${expected.storage}, and the query and exporter read and write that same store`, () => {
      const config = jaegerConfigFile(run);
      const backends = config.extensions.jaeger_storage.backends;
      const [store] = Object.keys(backends);
      assert.equal(Object.keys(backends).length, 1);
      assert.deepEqual(Object.keys(backends[store]), [expected.storage]);
      assert.equal(config.extensions.jaeger_query.storage.traces, store);
      assert.equal(config.exporters.jaeger_storage_exporter.trace_storage, store);
    });

    it("rolls the pod when the config changes (checksum annotation) and mounts the config read-only", () => {
      const template = jaegerWorkload(run).spec.template;
      assert.match(template.metadata.annotations[checksumAnnotationKey("config")], /^[0-9a-f]{64}$/);
      const mount = template.spec.containers[0].volumeMounts.find((entry: Any) => entry.name === "config");
      assert.deepEqual(mount, { name: "config", mountPath: "/etc/jaeger", readOnly: true });
      assert.deepEqual(template.spec.containers[0].args, ["--config=/etc/jaeger/config.yaml"]);
    });
  });
}

describe("Jaeger storage per environment", () => {
  it("staging keeps traces in memory: a Deployment with no volume but /tmp and the config, and no PDB for its single pod", async () => {
    const run = await stackRun("staging");
    const pod = jaegerWorkload(run).spec.template.spec;
    assert.deepEqual(pod.volumes.map((volume: Any) => Object.keys(volume).filter((key) => key !== "name")[0]).sort(), ["configMap", "emptyDir"]);
    assert.ok(jaegerConfigFile(run).extensions.jaeger_storage.backends.traces.memory.max_traces > 0);
    assert.equal(objectsOf(run).filter((object) => object.kind === "PodDisruptionBudget" && object.metadata.name === "jaeger").length, 0);
  });

  it("production keeps traces in Badger on a 50Gi ReadWriteOnce volume mounted where the config points, with a PDB", async () => {
    const run = await stackRun("production");
    const workload = jaegerWorkload(run);
    const [claim] = workload.spec.volumeClaimTemplates;
    assert.equal(claim.metadata.name, "data");
    assert.deepEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
    assert.equal(claim.spec.resources.requests.storage, "50Gi");
    const mount = workload.spec.template.spec.containers[0].volumeMounts.find((entry: Any) => entry.name === "data");
    const badger = jaegerConfigFile(run).extensions.jaeger_storage.backends.traces.badger;
    assert.equal(badger.ephemeral, false);
    assert.ok(badger.directories.keys.startsWith(`${mount.mountPath}/`) && badger.directories.values.startsWith(`${mount.mountPath}/`));
    assert.equal(badger.ttl.spans, "168h");
    const pdb = findObject(run, "PodDisruptionBudget", "jaeger", NS) as Any;
    assert.deepEqual(pdb.spec.selector.matchLabels, { "app.kubernetes.io/name": "jaeger" });
    assert.equal(pdb.spec.unhealthyPodEvictionPolicy, "AlwaysAllow");
  });
});
