import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { serviceSchema } from "../../../components/configSchema";
import { parseQuantity } from "../../../components/k8s/quantity";
import { PROBES, preStopHook, serviceContainer, shutdownTimeline } from "../../../components/service/manifests";
import { findObject, objectsOfKind, stackRun, type KubernetesObject, type MockRun } from "../../support/runs";
import { checksumAnnotationKey } from "../../../components/k8s/objectMeta";

type Any = Record<string, any>;

const SERVICE = "items-api";
const APPS = "apps";

function deploymentOf(run: MockRun): Any {
  return findObject(run, "Deployment", SERVICE, APPS) as Any;
}
function containerOf(run: MockRun): Any {
  return deploymentOf(run).spec.template.spec.containers[0];
}
function podSpecOf(run: MockRun): Any {
  return deploymentOf(run).spec.template.spec;
}

for (const stack of ["staging", "production"] as const) {
  describe(`ProductionService on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    it("deploys into the shared apps namespace, which enforces the restricted Pod Security Standard", () => {
      const namespace = findObject(run, "Namespace", APPS) as Any;
      assert.equal(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
      assert.equal(deploymentOf(run).metadata.namespace, APPS);
    });

    it("gives the service its own ServiceAccount with no API token mounted", () => {
      const account = findObject(run, "ServiceAccount", SERVICE, APPS) as Any;
      assert.equal(account.automountServiceAccountToken, false);
      assert.equal(podSpecOf(run).serviceAccountName, SERVICE);
      assert.equal(podSpecOf(run).automountServiceAccountToken, false);
    });

    it("delivers APP_*, LOG_*, OTEL_* and VAULT_* settings through a ConfigMap wired with envFrom", () => {
      const data = (findObject(run, "ConfigMap", `${SERVICE}-config`, APPS) as Any).data;
      assert.equal(data.APP_NAME, SERVICE);
      assert.equal(data.APP_ENV, stack);
      assert.equal(data.APP_VERSION, undefined, "APP_VERSION follows the image, on the container");
      assert.deepEqual(containerOf(run).env, [{ name: "APP_VERSION", value: "0.1.0" }]);
      assert.equal(data.APP_PORT, "8000");
      assert.equal(data.LOG_FORMAT, "json");
      assert.equal(data.OTEL_ENABLED, "true");
      assert.equal(data.OTEL_SERVICE_NAME, SERVICE);
      assert.equal(data.OTEL_EXPORTER_OTLP_ENDPOINT, "http://jaeger-collector.observability.svc.cluster.local:4318");
      assert.equal(data.OTEL_TRACES_SAMPLER, "parentbased_traceidratio");
      assert.equal(data.OTEL_TRACES_SAMPLER_ARG, stack === "production" ? "0.1" : "1", "production samples a tenth of new traces");
      assert.equal(data.VAULT_ENABLED, "true");
      assert.equal(data.VAULT_AUTH_METHOD, "kubernetes");
      assert.equal(data.VAULT_KUBERNETES_MOUNT, "kubernetes");
      assert.equal(data.VAULT_KUBERNETES_ROLE, `blueprint-${SERVICE}`);
      assert.equal(data.VAULT_KUBERNETES_TOKEN_FILE, "/var/run/secrets/blueprint/vault-token/token");
      assert.equal(data.VAULT_ROLE_ID_FILE, undefined, "no AppRole credential with Kubernetes auth");
      assert.deepEqual(containerOf(run).envFrom, [{ configMapRef: { name: `${SERVICE}-config` } }]);
    });

    it("rolls out one extra pod at a time and never drops below the current count", () => {
      assert.deepEqual(deploymentOf(run).spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    });

    it("leaves spec.replicas unset because the HPA owns the count", () => {
      assert.equal("replicas" in deploymentOf(run).spec, false);
    });

    for (const [kind, field] of [["startup", "startupProbe"], ["liveness", "livenessProbe"], ["readiness", "readinessProbe"]] as const) {
      it(`probes ${kind} on ${PROBES[kind].path} at the named http port with the reference timing`, () => {
        const probe = containerOf(run)[field];
        assert.deepEqual(probe, { httpGet: { path: PROBES[kind].path, port: "http" }, ...PROBES[kind].timing });
      });
    }

    it("uses the reference probe values: liveness 10/15/5/3, readiness 5/10/3, startup 5/5/10", () => {
      const container = containerOf(run);
      assert.deepEqual(
        [container.livenessProbe.initialDelaySeconds, container.livenessProbe.periodSeconds, container.livenessProbe.timeoutSeconds, container.livenessProbe.failureThreshold],
        [10, 15, 5, 3],
      );
      assert.deepEqual([container.readinessProbe.initialDelaySeconds, container.readinessProbe.periodSeconds, container.readinessProbe.timeoutSeconds], [5, 10, 3]);
      assert.deepEqual([container.startupProbe.initialDelaySeconds, container.startupProbe.periodSeconds, container.startupProbe.failureThreshold], [5, 5, 10]);
      assert.deepEqual(container.ports, [{ name: "http", containerPort: 8000, protocol: "TCP" }]);
    });

    it("sets requests and limits for cpu, memory and ephemeral storage from config", () => {
      const expected = run.config.services[SERVICE].resources;
      assert.deepEqual(containerOf(run).resources, {
        requests: { cpu: expected.requests.cpu, memory: expected.requests.memory, "ephemeral-storage": expected.requests.ephemeralStorage },
        limits: { cpu: expected.limits.cpu, memory: expected.limits.memory, "ephemeral-storage": expected.limits.ephemeralStorage },
      });
    });

    it("runs the pod as a non-root UID and GID above 10000 with fsGroup and RuntimeDefault seccomp", () => {
      const context = podSpecOf(run).securityContext;
      assert.equal(context.runAsNonRoot, true);
      assert.ok(context.runAsUser > 10000, `runAsUser ${context.runAsUser}`);
      assert.ok(context.runAsGroup > 10000, `runAsGroup ${context.runAsGroup}`);
      assert.equal(context.fsGroup, context.runAsGroup);
      assert.deepEqual(context.seccompProfile, { type: "RuntimeDefault" });
    });

    it("locks the container: read-only root, no privilege escalation, all capabilities dropped", () => {
      const context = containerOf(run).securityContext;
      assert.equal(context.runAsNonRoot, true);
      assert.ok(context.runAsUser > 10000);
      assert.equal(context.readOnlyRootFilesystem, true);
      assert.equal(context.allowPrivilegeEscalation, false);
      assert.equal(context.privileged, false);
      assert.deepEqual(context.capabilities, { drop: ["ALL"] });
      assert.deepEqual(context.seccompProfile, { type: "RuntimeDefault" });
    });

    it("gives the read-only container a size-limited /tmp emptyDir and nothing else writable", () => {
      const tmpMount = containerOf(run).volumeMounts.find((mount: Any) => mount.mountPath === "/tmp");
      const tmpVolume = podSpecOf(run).volumes.find((volume: Any) => volume.name === tmpMount.name);
      assert.ok(tmpVolume.emptyDir.sizeLimit);
      const writable = containerOf(run).volumeMounts.filter((mount: Any) => !mount.readOnly);
      assert.deepEqual(writable.map((mount: Any) => mount.mountPath), ["/tmp"]);
    });

    it("turns off service-link env injection", () => {
      assert.equal(podSpecOf(run).enableServiceLinks, false);
    });

    it("runs node with the heap bounded to half the container's memory limit and a fixed young generation, as the image would run it", () => {
      const data = (findObject(run, "ConfigMap", `${SERVICE}-config`, APPS) as Any).data;
      const limitMiB = parseQuantity(containerOf(run).resources.limits.memory) / 2 ** 20;
      const flags = [`--max-old-space-size=${Math.floor(limitMiB / 2)}`, "--max-semi-space-size=8", "--min-semi-space-size=8"];
      assert.deepEqual(containerOf(run).command, ["node", ...flags, "dist/src/main.js"]);
      // The flags are given once, on the command line (Node refuses --min-semi-space-size in NODE_OPTIONS).
      assert.equal(data.NODE_OPTIONS, undefined);
      // The entry point is the image's own.
      const dockerfile = fs.readFileSync(path.join(__dirname, "..", "..", "..", "app", "Dockerfile"), "utf8");
      assert.match(dockerfile, /^CMD \["node", "dist\/src\/main\.js"\]$/m);
      // The benchmark runs the service as this pod does (a 256Mi limit); it spells the flags in its own package.
      if (limitMiB === 256) {
        const bench = fs.readFileSync(path.join(__dirname, "..", "..", "..", "app", "bench", "app-bench.ts"), "utf8");
        assert.ok(bench.includes(`const POD_NODE_FLAGS = [${flags.map((flag) => `'${flag}'`).join(", ")}];`), "app-bench.ts runs the service with the pod's flags");
      }
    });

    it("shuts down in order: kubelet's preStop sleep (nothing runs in the container), then the service's delay and drain, all inside the grace period", () => {
      const data = (findObject(run, "ConfigMap", `${SERVICE}-config`, APPS) as Any).data;
      const delay = Number(data.SHUTDOWN_DELAY_SECONDS);
      const budget = Number(data.SHUTDOWN_TIMEOUT_SECONDS);
      assert.equal(delay, 5, "the default shutdownDelaySeconds reaches the pod");
      assert.deepEqual(containerOf(run).lifecycle.preStop, { sleep: { seconds: 5 } });
      assert.ok(podSpecOf(run).terminationGracePeriodSeconds > delay + delay + budget, "kubelet never kills a pod that is still draining");
    });

    it("annotates the pods for Prometheus scraping on the service port at /metrics", () => {
      const annotations = deploymentOf(run).spec.template.metadata.annotations;
      assert.equal(annotations["prometheus.io/scrape"], "true");
      assert.equal(annotations["prometheus.io/port"], "8000");
      assert.equal(annotations["prometheus.io/path"], "/metrics");
      assert.match(annotations[checksumAnnotationKey("config")], /^[a-f0-9]{64}$/);
    });

    it("mounts a projected ServiceAccount token for Vault's audience, 10 minutes long, read-only, and stores no Vault credential in the cluster", () => {
      const mount = containerOf(run).volumeMounts.find((m: Any) => m.mountPath === "/var/run/secrets/blueprint/vault-token");
      assert.deepEqual(mount, { name: "vault-token", mountPath: "/var/run/secrets/blueprint/vault-token", readOnly: true });
      const volume = podSpecOf(run).volumes.find((v: Any) => v.name === "vault-token");
      assert.deepEqual(volume.projected, { defaultMode: 0o440, sources: [{ serviceAccountToken: { audience: "vault", expirationSeconds: 600, path: "token" } }] });
      assert.equal(podSpecOf(run).automountServiceAccountToken, false, "the Vault token is no API token: automounting stays off");
      assert.deepEqual(objectsOfKind(run, "Secret").filter((secret) => /vault/.test(secret.metadata.name)), [], "no role_id or secret_id in any Secret");
    });

    it("exposes the pods through a ClusterIP Service on port 80 targeting the named http port", () => {
      const service = findObject(run, "Service", SERVICE, APPS) as Any;
      assert.equal(service.spec.type, "ClusterIP");
      assert.deepEqual(service.spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
      assert.deepEqual(service.spec.selector, { "app.kubernetes.io/name": SERVICE });
    });

    it("routes the configured host through the configured ingress class with TLS", () => {
      const ingress = findObject(run, "Ingress", SERVICE, APPS) as Any;
      const expected = run.config.services[SERVICE].ingress!;
      assert.equal(ingress.spec.ingressClassName, expected.className);
      assert.equal(ingress.spec.rules[0].host, expected.host);
      assert.deepEqual(ingress.spec.rules[0].http.paths[0].backend, { service: { name: SERVICE, port: { name: "http" } } });
      assert.deepEqual(ingress.spec.tls, [{ hosts: [expected.host], secretName: expected.tlsSecretName }]);
    });

    it("autoscales between the configured bounds on CPU 70% and memory 80%, scaling down slowly", () => {
      const hpa = findObject(run, "HorizontalPodAutoscaler", SERVICE, APPS) as Any;
      assert.equal(hpa.apiVersion, "autoscaling/v2");
      assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: SERVICE });
      assert.equal(hpa.spec.minReplicas, run.config.services[SERVICE].replicas.min);
      assert.equal(hpa.spec.maxReplicas, run.config.services[SERVICE].replicas.max);
      const targets = Object.fromEntries(hpa.spec.metrics.map((metric: Any) => [metric.resource.name, metric.resource.target]));
      assert.deepEqual(targets, { cpu: { type: "Utilization", averageUtilization: 70 }, memory: { type: "Utilization", averageUtilization: 80 } });
      assert.equal(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds, run.config.services[SERVICE].scaleDownStabilizationSeconds);
    });

    it("keeps at most one pod disrupted and lets unhealthy pods be evicted", () => {
      const pdb = findObject(run, "PodDisruptionBudget", SERVICE, APPS) as Any;
      assert.deepEqual(pdb.spec, {
        selector: { matchLabels: { "app.kubernetes.io/name": SERVICE } },
        maxUnavailable: 1,
        unhealthyPodEvictionPolicy: "AlwaysAllow",
      });
    });

    it("denies all ingress and egress in the apps namespace by default, except DNS", () => {
      const deny = findObject(run, "NetworkPolicy", "default-deny", APPS) as Any;
      assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      const dns = findObject(run, "NetworkPolicy", "allow-dns-egress", APPS) as Any;
      assert.deepEqual(dns.spec.egress, [
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }],
        },
      ]);
    });

    it("admits only the ingress controller and Prometheus, on the service port only", () => {
      const policy = findObject(run, "NetworkPolicy", SERVICE, APPS) as Any;
      assert.deepEqual(policy.spec.podSelector, { matchLabels: { "app.kubernetes.io/name": SERVICE } });
      const sources = policy.spec.ingress.map((rule: Any) => ({ from: rule.from, ports: rule.ports }));
      const peer = (namespace: string, name: string) => ({
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": name } },
      });
      assert.deepEqual(sources, [
        { from: [peer("ingress-nginx", "ingress-nginx")], ports: [{ port: 8000, protocol: "TCP" }] },
        { from: [peer("observability", "prometheus")], ports: [{ port: 8000, protocol: "TCP" }] },
      ]);
    });

    it("lets the service reach only the Jaeger collector's OTLP ports and Vault (DNS comes from the namespace policy)", () => {
      const policy = findObject(run, "NetworkPolicy", SERVICE, APPS) as Any;
      const destinations = policy.spec.egress.map((rule: Any) => ({
        to: rule.to.map((peer: Any) => `${peer.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"]}/${peer.podSelector?.matchLabels["app.kubernetes.io/name"]}`),
        ports: rule.ports.map((port: Any) => port.port),
      }));
      assert.deepEqual(destinations, [
        { to: ["observability/jaeger"], ports: [4317, 4318] },
        { to: ["vault/vault"], ports: [8200] },
      ]);
      assert.deepEqual(policy.spec.policyTypes, ["Ingress", "Egress"]);
    });

    it("selects the service's pods with exactly one NetworkPolicy besides the namespace-wide ones", () => {
      const selecting = objectsOfKind(run, "NetworkPolicy").filter(
        (policy: KubernetesObject) => policy.metadata.namespace === APPS && (policy.spec as Any).podSelector?.matchLabels?.["app.kubernetes.io/name"] === SERVICE,
      );
      assert.deepEqual(selecting.map((policy) => policy.metadata.name), [SERVICE]);
    });

    it("exports the namespace, service name, URL, image and HPA bounds", () => {
      const outputs = run.outputs as Any;
      assert.match(outputs.services[SERVICE].image, stack === "production" ? /^ghcr\.io\/production-blueprint\/items-api:0\.1\.0@sha256:[a-f0-9]{64}$/ : /^ghcr\.io\/production-blueprint\/items-api:0\.1\.0$/);
      assert.deepEqual(outputs.services[SERVICE], {
        namespace: APPS,
        serviceName: SERVICE,
        url: `http://${SERVICE}.${APPS}.svc.cluster.local:80`,
        // The stack file's ref as configured: a bare tag in staging, a digest in production.
        image: run.config.services[SERVICE].image.build ? undefined : run.config.services[SERVICE].image.ref,
        hpa: { minReplicas: run.config.services[SERVICE].replicas.min, maxReplicas: run.config.services[SERVICE].replicas.max },
      });
    });
  });
}

describe("ProductionService: staging and production differ where environments should", () => {
  let staging: MockRun;
  let production: MockRun;
  before(async () => {
    staging = await stackRun("staging");
    production = await stackRun("production");
  });

  it("runs more replicas in production (HPA 3–10) than in staging (2–4)", () => {
    const bounds = (run: MockRun) => {
      const hpa = findObject(run, "HorizontalPodAutoscaler", SERVICE, APPS) as Any;
      return [hpa.spec.minReplicas, hpa.spec.maxReplicas];
    };
    assert.deepEqual(bounds(staging), [2, 4]);
    assert.deepEqual(bounds(production), [3, 10]);
  });

  it("gives production the reference resources (100m/128Mi requests, 500m/256Mi limits) and staging less CPU", () => {
    assert.deepEqual(containerOf(production).resources.requests, { cpu: "100m", memory: "128Mi", "ephemeral-storage": "64Mi" });
    assert.deepEqual(containerOf(production).resources.limits, { cpu: "500m", memory: "256Mi", "ephemeral-storage": "256Mi" });
    assert.equal(containerOf(staging).resources.requests.cpu, "50m");
    assert.equal(containerOf(staging).resources.limits.cpu, "250m");
  });

  it("turns the API docs off in production only", () => {
    const docs = (run: MockRun) => (findObject(run, "ConfigMap", `${SERVICE}-config`, APPS) as Any).data.DOCS_ENABLED;
    assert.equal(docs(staging), "true");
    assert.equal(docs(production), "false");
  });

  it("logs at debug in staging and info in production", () => {
    const level = (run: MockRun) => (findObject(run, "ConfigMap", `${SERVICE}-config`, APPS) as Any).data.LOG_LEVEL;
    assert.equal(level(staging), "debug");
    assert.equal(level(production), "info");
  });

  it("spreads production pods over zones and nodes with anti-affinity; staging pods only prefer different nodes", () => {
    const spec = podSpecOf(production);
    assert.deepEqual(
      spec.topologySpreadConstraints.map((constraint: Any) => [constraint.topologyKey, constraint.whenUnsatisfiable, constraint.maxSkew]),
      [["topology.kubernetes.io/zone", "ScheduleAnyway", 1], ["kubernetes.io/hostname", "DoNotSchedule", 1]],
    );
    assert.equal(spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
    assert.equal(podSpecOf(staging).topologySpreadConstraints, undefined);
    assert.deepEqual(podSpecOf(staging).affinity, spec.affinity);
  });

  it("serves each environment on its own ingress host", () => {
    const host = (run: MockRun) => (findObject(run, "Ingress", SERVICE, APPS) as Any).spec.rules[0].host;
    assert.equal(host(staging), "items-api.staging.example.com");
    assert.equal(host(production), "items-api.example.com");
  });
});

describe("ProductionService: the shutdownDelaySeconds setting", () => {
  const base = {
    image: { build: false, ref: "registry.example.com/items-api:1.0.0" },
    replicas: { min: 2, max: 4 },
    resources: { requests: { cpu: "100m", memory: "128Mi", ephemeralStorage: "64Mi" }, limits: { cpu: "500m", memory: "256Mi", ephemeralStorage: "128Mi" } },
    // Another team's image: its own entrypoint, its own health paths, /metrics on its port.
    probes: { liveness: { path: "/healthz" }, readiness: { path: "/readyz" } },
    metrics: { port: "http", path: "/metrics" },
    topologySpread: false,
  };

  it("defaults to 5 s and accepts 0 to 25", () => {
    assert.equal(serviceSchema.parse(base).shutdownDelaySeconds, 5);
    assert.equal(serviceSchema.parse({ ...base, shutdownDelaySeconds: 12 }).shutdownDelaySeconds, 12);
    assert.equal(serviceSchema.safeParse({ ...base, shutdownDelaySeconds: 26 }).success, false);
    assert.equal(serviceSchema.safeParse({ ...base, shutdownDelaySeconds: 1.5 }).success, false);
  });

  it("takes a trace sample ratio from 0 to 1, every trace by default", () => {
    assert.equal(serviceSchema.parse(base).traceSampleRatio, 1);
    assert.equal(serviceSchema.parse({ ...base, traceSampleRatio: 0.25 }).traceSampleRatio, 0.25);
    const refused = serviceSchema.safeParse({ ...base, traceSampleRatio: 1.5 });
    assert.equal(refused.success, false);
    assert.deepEqual(refused.error?.issues.map((issue) => issue.path.join(".")), ["traceSampleRatio"]);
  });

  it("sizes the preStop sleep and the grace period from the setting", () => {
    const config = serviceSchema.parse({ ...base, shutdownDelaySeconds: 12 });
    const container = serviceContainer({ name: SERVICE, config, image: "registry.example.com/items-api:1.0.0", version: "1.0.0", configMapName: "c", mounts: [] }) as Any;
    assert.deepEqual(container.lifecycle.preStop, { sleep: { seconds: 12 } });
    const timeline = shutdownTimeline(config);
    assert.equal(timeline.preStopSeconds, 12);
    assert.ok(timeline.terminationGracePeriodSeconds > 12 + 12 + 20);
  });

  it("has no preStop hook when the delay is 0", () => {
    assert.equal(preStopHook(0), undefined);
  });
});
