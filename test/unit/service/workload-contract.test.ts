import * as assert from "node:assert/strict";
import { serviceSchema } from "../../../components/configSchema";
import { SCRAPE_ANNOTATIONS } from "../../../components/k8s/enrolment";
import { appWorkloads } from "../../../components/platformEndpoints";
import { serviceEnv } from "../../../components/service/env";
import { PROBES, serviceContainer } from "../../../components/service/manifests";
import { ConfigError, parseServiceConfig } from "../../../components/stackConfig";
import { edited, problemsOf, withServices } from "../../support/stackEdits";
import { findObject, objectsOf, stackRun, type MockRun } from "../../support/runs";
import { openedFlows } from "../../support/policyFlows";

type Any = Record<string, any>;

const RESOURCES = { requests: { cpu: "100m", memory: "128Mi", ephemeralStorage: "64Mi" }, limits: { cpu: "500m", memory: "512Mi", ephemeralStorage: "256Mi" } };
/** Another team's image, described by nothing but what the contract requires. */
const MINIMAL = {
  image: { build: false, ref: "registry.example.com/team/orders:1.0.0" },
  port: 8080,
  replicas: { min: 2, max: 4 },
  resources: RESOURCES,
  topologySpread: false,
  probes: { readiness: { path: "/ready" } },
};

function container(entry: Record<string, unknown>) {
  return serviceContainer({ name: "orders", config: serviceSchema.parse(entry), image: "registry.example.com/team/orders:1.0.0", version: "1.0.0", configMapName: "orders-config", mounts: [] });
}

describe("the workload contract: any image as its team built it (components/service/workloadSchema.ts)", () => {
  describe("the container", () => {
    it("sets no command and no args for an image that gives none: its own ENTRYPOINT and CMD run", () => {
      const rendered = container(MINIMAL);
      assert.equal("command" in rendered, false);
      assert.equal("args" in rendered, false);
      assert.equal("env" in rendered, false, "no runtime flags and no APP_VERSION for an image without the platform's conventions");
    });

    it("runs the configured command and args as they are when the runtime needs no flags", () => {
      const rendered = container({ ...MINIMAL, command: ["/usr/local/bin/server"], args: ["--listen", ":8080"] });
      assert.deepEqual(rendered.command, ["/usr/local/bin/server"]);
      assert.deepEqual(rendered.args, ["--listen", ":8080"]);
    });

    it("node: puts the heap flags sized from the memory limit right after `node` in the command", () => {
      const rendered = container({ ...MINIMAL, runtime: "node", command: ["node", "server.js"] });
      assert.deepEqual(rendered.command, ["node", "--max-old-space-size=256", "--max-semi-space-size=8", "--min-semi-space-size=8", "server.js"]);
    });

    it("node on the image's own entrypoint: the flags Node accepts there go in NODE_OPTIONS", () => {
      const rendered = container({ ...MINIMAL, runtime: "node" });
      assert.equal("command" in rendered, false);
      assert.deepEqual(rendered.env, [{ name: "NODE_OPTIONS", value: "--max-old-space-size=256 --max-semi-space-size=8" }]);
    });

    it("jvm: sizes the heap from the container's limit through JAVA_TOOL_OPTIONS, whatever launches the JVM", () => {
      assert.deepEqual(container({ ...MINIMAL, runtime: "jvm" }).env, [{ name: "JAVA_TOOL_OPTIONS", value: "-XX:MaxRAMPercentage=75.0" }]);
    });

    it("names every port, `http` first, and probes what the entry says: a path is an HTTP GET, none a TCP connect", () => {
      const rendered = container({ ...MINIMAL, ports: { grpc: 9000, metrics: 9090 }, probes: { startup: { failureThreshold: 60 }, readiness: { path: "/ready", port: "grpc", periodSeconds: 3 } } });
      assert.deepEqual(rendered.ports, [
        { name: "http", containerPort: 8080, protocol: "TCP" },
        { name: "grpc", containerPort: 9000, protocol: "TCP" },
        { name: "metrics", containerPort: 9090, protocol: "TCP" },
      ]);
      assert.deepEqual(rendered.probes?.startup, { tcpSocket: { port: "http" }, ...PROBES.startup.timing, failureThreshold: 60 });
      assert.deepEqual(rendered.probes?.liveness, { tcpSocket: { port: "http" }, ...PROBES.liveness.timing });
      assert.deepEqual(rendered.probes?.readiness, { httpGet: { path: "/ready", port: "grpc" }, ...PROBES.readiness.timing, periodSeconds: 3 });
    });

    it("gives each extra scratch directory an emptyDir of its size beside /tmp", () => {
      const rendered = container({ ...MINIMAL, scratch: [{ path: "/var/cache/orders", size: "256Mi" }, { path: "/work" }] });
      assert.deepEqual(rendered.scratch, [
        { name: "scratch-1", mountPath: "/var/cache/orders", sizeLimit: "256Mi" },
        { name: "scratch-2", mountPath: "/work" },
      ]);
    });
  });

  describe("the environment", () => {
    const base = { name: "orders", environment: "staging" as const, otlpEndpoint: "http://collector:4318", credentialsEnv: { VAULT_URL: "https://vault:8200" } };
    const refs = { vaultAddress: "https://vault:8200", vaultRoleIdFile: "/var/run/secrets/blueprint/vault/role-id" };

    it("gives any image the OpenTelemetry SDKs' standard variables and its own, credentials by path, and nothing of the Items API's", () => {
      const env = serviceEnv({ ...base, credentialRefs: refs, config: serviceSchema.parse({ ...MINIMAL, env: { GREETING: "hello", ROLE_ID_PATH: { credential: "vaultRoleIdFile" } } }) });
      assert.deepEqual(Object.keys(env).sort(), [
        "GREETING",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_SERVICE_NAME",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
        "ROLE_ID_PATH",
      ]);
      assert.equal(env.ROLE_ID_PATH, "/var/run/secrets/blueprint/vault/role-id");
      assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector:4318");
    });

    it("refuses a variable the platform sets, and a credential this stack does not deliver, naming the service and the key", () => {
      const collision = serviceSchema.parse({ ...MINIMAL, env: { OTEL_SERVICE_NAME: "mine" } });
      assert.throws(() => serviceEnv({ ...base, credentialRefs: refs, config: collision }), /services\.orders\.env\.OTEL_SERVICE_NAME: is set by the platform/);
      const missing = serviceSchema.parse({ ...MINIMAL, env: { KEY_FILE: { credential: "apiKeyFile" } } });
      assert.throws(() => serviceEnv({ ...base, credentialRefs: refs, config: missing }), /services\.orders\.env\.KEY_FILE: the credential 'apiKeyFile' exists only with vault\.enabled: false/);
    });
  });

  describe("in a stack, beside the Items API", () => {
    let run: MockRun;
    const deployment = () => findObject(run, "Deployment", "orders", "apps") as Any;
    before(async () => {
      run = await withServices("staging", (services) => {
        services.orders = { ...MINIMAL, ports: { metrics: 9090 }, metrics: { port: "metrics", path: "/prometheus" }, env: { VAULT_ADDR: { credential: "vaultAddress" } } };
        services.quiet = { ...MINIMAL, image: { build: false, ref: "registry.example.com/team/quiet:1.0.0" }, port: 8081 };
      });
    });

    it("scrapes a service on the port and path it names, through the annotations, the Service and the NetworkPolicy", () => {
      const annotations = deployment().spec.template.metadata.annotations;
      assert.equal(annotations[SCRAPE_ANNOTATIONS.port], "9090");
      assert.equal(annotations[SCRAPE_ANNOTATIONS.path], "/prometheus");
      const service = findObject(run, "Service", "orders", "apps") as Any;
      assert.deepEqual(service.spec.ports.map((port: Any) => `${port.name}:${port.port}->${port.targetPort}`), ["http:80->http", "metrics:9090->metrics"]);
      const flows = openedFlows(objectsOf(run), "apps", { "app.kubernetes.io/name": "orders" });
      assert.ok(flows.ingress.includes("from observability/app.kubernetes.io/name=prometheus TCP/9090"), flows.ingress.join("\n"));
      assert.ok(!flows.ingress.some((flow) => flow.includes("prometheus") && flow.endsWith("TCP/8080")), "Prometheus may reach only the metrics port");
    });

    it("leaves a service without metrics unscraped and without alert rules, but enrolled while it sends traces", () => {
      const quiet = findObject(run, "Deployment", "quiet", "apps") as Any;
      assert.equal(quiet.spec.template.metadata.annotations?.[SCRAPE_ANNOTATIONS.scrape], undefined);
      assert.equal(quiet.spec.template.metadata.labels["observability.blueprint.io/enrolled"], "true");
      const rules = (findObject(run, "ConfigMap", "prometheus-rules", "observability") as Any).data;
      const text = Object.values(rules).join("\n");
      assert.ok(text.includes('app="orders"'), "the scraped service has rules");
      assert.ok(!text.includes('app="quiet"'), "the unscraped service has rules that could only say it is down");
    });

    it("delivers the Vault address by reference and no Items API variable", () => {
      const data = (findObject(run, "ConfigMap", "orders-config", "apps") as Any).data;
      assert.equal(data.VAULT_ADDR, "https://vault.vault.svc.cluster.local:8200");
      assert.equal(data.APP_NAME, undefined);
      assert.equal(data.VAULT_ROLE_ID_FILE, undefined);
    });
  });

  describe("validation names the service and the key", () => {
    const problems = (entry: Record<string, unknown>) => problemsOf(edited("staging", (v) => (v.services.orders = { ...MINIMAL, ...entry })), "staging");
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["the same TCP check for liveness and readiness", { probes: {} }, /services\.orders\.probes: liveness and readiness would both only connect to port 'http'/],
      ["a probe on a port the service does not have", { probes: { readiness: { path: "/ready", port: "admin" } } }, /services\.orders\.probes\.readiness\.port: 'admin' is not a port of this service \(its ports: 'http'\)/],
      ["metrics on a port Prometheus may not reach", { ports: { admin: 9000 }, metrics: { port: "admin" } }, /services\.orders\.metrics\.port: Prometheus may scrape only a port named 'http' or 'metrics'/],
      ["an extra port named http", { ports: { http: 9000 } }, /services\.orders\.ports\.http: 'http' is the main port's name/],
      ["two names for one port", { ports: { grpc: 8080 } }, /services\.orders\.ports\.grpc: 8080 is already the port 'http'/],
      ["docs for an image without the platform's conventions", { docs: true }, /services\.orders\.docs: is read only by an image with conventions: blueprint/],
      ["the platform's conventions without logLevel", { conventions: "blueprint", docs: false }, /services\.orders\.logLevel: is required with conventions: blueprint/],
      ["NODE_OPTIONS beside runtime node", { runtime: "node", env: { NODE_OPTIONS: "--inspect" } }, /services\.orders\.env\.NODE_OPTIONS: runtime node sets NODE_OPTIONS from the memory limit/],
      ["objectives without metrics", { objectives: { availability: { target: 99, window: "7d" } } }, /services\.orders\.objectives: needs the service's request metrics, but metrics is false/],
      ["an unknown runtime", { runtime: "python" }, /services\.orders\.runtime: Invalid option: expected one of "node"\|"jvm"\|"none"/],
      ["a relative scratch path", { scratch: [{ path: "cache" }] }, /services\.orders\.scratch\.0\.path: expected an absolute directory path/],
      ["an env name that is not one", { env: { "MY-VAR": "x" } }, /services\.orders\.env\.MY-VAR: expected an environment variable name/],
      ["an unknown credential", { env: { TOKEN: { credential: "vaultToken" } } }, /services\.orders\.env\.TOKEN\.credential: Invalid option/],
    ];
    it("refuses a credential the stack does not deliver: the API key's file with Vault on, the AppRole's with Vault off", () => {
      assert.match(problems({ env: { KEY: { credential: "apiKeyFile" } } }), /services\.orders\.env\.KEY: the credential 'apiKeyFile' exists only with vault\.enabled: false/);
      const local = problemsOf(edited("local", (v) => (v.services.orders = { ...MINIMAL, env: { ADDR: { credential: "vaultAddress" } } })), "local");
      assert.match(local, /services\.orders\.env\.ADDR: the credential 'vaultAddress' exists only with vault\.enabled: true/);
    });

    for (const [what, entry, expected] of cases) {
      it(`refuses ${what}`, () => assert.match(problems(entry), expected));
    }

    it("names the service and the key for an entry checked in code, as a library consumer does", () => {
      const message = (entry: Record<string, unknown>) => {
        try {
          parseServiceConfig("reports", entry);
        } catch (error) {
          assert.ok(error instanceof ConfigError);
          return error.message;
        }
        return assert.fail("the entry was accepted");
      };
      assert.match(message({ ...MINIMAL, replicas: { min: 2 } }), /^Invalid config for service 'reports':\n {2}- production-blueprint:services\.reports\.replicas\.max: is required/);
      assert.match(message({ ...MINIMAL, probes: { readiness: { path: "/ready", port: "admin" } } }), /production-blueprint:services\.reports\.probes\.readiness\.port: 'admin' is not a port of this service/);
    });

    it("accepts the minimal entry: an image, a port, sizing and a readiness path", () => {
      assert.doesNotThrow(() => serviceSchema.parse(MINIMAL));
    });
  });

  it("keeps the Items API's container as the committed stacks declare it: node with its heap flags, its probes and /metrics", async () => {
    const run = await stackRun("staging");
    const items = (findObject(run, "Deployment", "items-api", "apps") as Any).spec.template;
    assert.deepEqual(items.spec.containers[0].command, ["node", "--max-old-space-size=128", "--max-semi-space-size=8", "--min-semi-space-size=8", "dist/src/main.js"]);
    assert.deepEqual(items.spec.containers[0].readinessProbe.httpGet, { path: "/ready", port: "http" });
    assert.equal(items.metadata.annotations[SCRAPE_ANNOTATIONS.path], "/metrics");
    assert.deepEqual(
      appWorkloads({ "items-api": serviceSchema.parse({ ...MINIMAL, conventions: "blueprint", docs: false, logLevel: "info", probes: {} }) }, "apps").map((app) => app.metricsPort),
      [8080],
    );
  });
});
