import * as assert from "node:assert/strict";
import { claimMount, configMapMount, scratchMount } from "../../../components/k8s/mounts";
import { DEFAULT_RUN_AS, secureContainer, securePodSpec } from "../../../components/k8s/podSpec";
import { PROBE_TIMINGS, httpProbe, probesIdentical, tcpProbe } from "../../../components/k8s/probes";
import { objectsOf, stackRun } from "../../support/runs";

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
      () => secureContainer({ name: "vector", image: "x:1", resources: RESOURCES, probes }, DEFAULT_RUN_AS),
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
    assert.deepEqual(scratchMount({ name: "password", mountPath: "/p", sizeLimit: "1Mi", medium: "Memory" }).volume?.emptyDir, { medium: "Memory", sizeLimit: "1Mi" });
    assert.deepEqual(scratchMount({ name: "tmp", mountPath: "/tmp" }).volume?.emptyDir, { sizeLimit: "64Mi" });
  });

  it("places each volume once, from the containers' mounts and scratch dirs, and the claims apart", () => {
    const config = configMapMount("config", "app-config", "/etc/app");
    const { podSpec, claims } = securePodSpec({
      name: "app",
      runAs: DEFAULT_RUN_AS,
      serviceAccountName: "app",
      containers: [
        { name: "main", image: "x:1", resources: RESOURCES, scratch: [{ name: "cache", mountPath: "/cache" }], mounts: [config, claimMount("data", "1Gi", "/data")] },
        { name: "sidecar", image: "y:1", resources: RESOURCES, mounts: [config] },
      ],
    }) as Any;
    assert.deepEqual(podSpec.volumes.map((volume: Any) => volume.name), ["tmp", "cache", "config"]);
    assert.deepEqual(claims.map((claim: Any) => claim.metadata.name), ["data"]);
    assert.deepEqual(podSpec.containers[0].volumeMounts.map((mount: Any) => mount.name), ["tmp", "cache", "config", "data"]);
    assert.deepEqual(podSpec.containers[1].volumeMounts.map((mount: Any) => mount.name), ["tmp", "config"]);
  });

  it("refuses two different volumes under one name, naming the pod and the volume", () => {
    const containers = [
      { name: "a", image: "x:1", resources: RESOURCES, mounts: [configMapMount("config", "one", "/etc/one")] },
      { name: "b", image: "x:1", resources: RESOURCES, mounts: [configMapMount("config", "two", "/etc/two")] },
    ];
    assert.throws(() => securePodSpec({ name: "app", runAs: DEFAULT_RUN_AS, serviceAccountName: "app", containers }), /pod app: two different volumes are named config/);
  });

  it("runs as root only when RunAs says so on purpose", () => {
    const container = { name: "agent", image: "x:1", resources: RESOURCES };
    assert.throws(() => secureContainer(container, { uid: 0, gid: 0 }), /runAs uid 0 without root: true/);
    assert.equal((secureContainer(container, { uid: 0, gid: 0, root: true }).securityContext as Any).runAsNonRoot, false);
    assert.equal((secureContainer(container, DEFAULT_RUN_AS).securityContext as Any).runAsNonRoot, true);
  });

  it("names every probe timing once: no workload in a render has a timing outside the kit's table", async () => {
    const rows = Object.values(PROBE_TIMINGS).flatMap((byKind) => Object.values(byKind)).map((timing) => JSON.stringify(timing));
    const objects = objectsOf(await stackRun("production")) as Any[];
    const probes = objects
      .flatMap((object) => object.spec?.template?.spec?.containers ?? [])
      .flatMap((container: Any) => [container.startupProbe, container.livenessProbe, container.readinessProbe])
      .filter(Boolean);
    assert.ok(probes.length >= 20);
    for (const probe of probes) {
      const { initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold } = probe;
      assert.ok(rows.includes(JSON.stringify({ initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold })), JSON.stringify(probe));
    }
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
