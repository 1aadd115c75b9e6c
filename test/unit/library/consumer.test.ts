import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import { blueprintMocks, type DeclaredResource, GeneratedSecrets } from "../../../scripts/lib/mocks";
import { resolveOutputs } from "../../../scripts/lib/secrets";
import { kubernetesObjects } from "../../../scripts/lib/manifests";
import { NetworkModel, type Pod } from "../../support/networkReach";
import { objectsOf, stackRun } from "../../support/runs";
import Module from "node:module";
import * as path from "node:path";

const PLATFORM_STACK = "organization/production-blueprint/production";
const DEPLOYER_VAULT = "https://vault.deployer.example:8200";
/** The consumer's required config; a run adds to it or overrides it. */
const CONSUMER_CONFIG = { "blueprint-consumer:platformStack": PLATFORM_STACK, "blueprint-consumer:vaultAddress": DEPLOYER_VAULT };

const CONSUMER = path.resolve(__dirname, "../../../examples/consumer/index.ts");
const PACKAGE_NAME = "@production-blueprint/components";

// The consumer imports the components by package name, which is installed only where the package is
// (packed-consumer.test.ts). Here it runs against the sources, in this process, next to the platform's own
// run: the name is resolved to components/index.ts while this file's tests load the program.
type Resolve = (request: string, ...rest: unknown[]) => string;
const moduleInternals = Module as unknown as { _resolveFilename: Resolve };
const resolveFilename = moduleInternals._resolveFilename;
const SOURCES = path.resolve(__dirname, "../../../components/index.ts");

/**
 * Runs examples/consumer under mocks, its StackReference answered with the platform's outputs. Call it
 * while no blueprint run holds the mock monitor (after an awaited stackRun). The module is the program: it
 * declares its resources as it loads, so it is loaded afresh, after setMocks, for each run.
 */
function runConsumer(platformOutputs: Record<string, unknown>, config: Record<string, string> = {}): { resources: DeclaredResource[]; program: Record<string, unknown> } {
  const resources: DeclaredResource[] = [];
  const mocks = blueprintMocks(resources, new GeneratedSecrets());
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type !== "pulumi:pulumi:StackReference") return mocks.newResource(args);
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: args.inputs.name, state: { name: args.inputs.name, outputs: platformOutputs, secretOutputNames: [] } };
      },
      call: mocks.call,
    },
    "blueprint-consumer",
    config["blueprint-consumer:environment"] ?? "production",
    false,
  );
  pulumi.runtime.setAllConfig({ ...CONSUMER_CONFIG, ...config }, []);
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- require's cache is keyed by path; this is how a module is loaded afresh.
  delete require.cache[CONSUMER];
  return { resources, program: require(CONSUMER) as Record<string, unknown> };
}

describe("components as a library (examples/consumer)", () => {
  let platformOutputs: Record<string, unknown>;
  let resources: DeclaredResource[];
  let program: Record<string, unknown>;
  let outputs: Record<string, unknown>;

  before(async () => {
    moduleInternals._resolveFilename = (request, ...rest) => (request === PACKAGE_NAME ? SOURCES : resolveFilename(request, ...rest));
    // The platform's real outputs, from the blueprint program run for production.
    platformOutputs = (await stackRun("production")).outputs as Record<string, unknown>;
    const run = runConsumer(platformOutputs);
    resources = run.resources;
    program = run.program;
    outputs = (await resolveOutputs(program)) as Record<string, unknown>;
  });

  after(() => {
    moduleInternals._resolveFilename = resolveFilename;
  });

  it("is a synchronous program: its exports are Outputs of the platform's values, not a promise of them", () => {
    assert.equal(typeof program, "object");
    for (const key of ["url", "image", "collectorEndpoint"]) assert.ok(pulumi.Output.isInstance(program[key]), key);
  });

  it("exports the collector endpoint, Vault mounts and namespaces from the platform stack", () => {
    const vault = platformOutputs.vault as Record<string, unknown>;
    assert.match(String(platformOutputs.collectorEndpoint), /^http:\/\/jaeger-collector\.observability\.svc\.cluster\.local:4318$/);
    assert.deepEqual(
      { enabled: vault.enabled, kvMount: vault.kvMount, approleMount: vault.approleMount, kubernetesMount: vault.kubernetesMount, kubernetesReviewer: vault.kubernetesReviewer },
      { enabled: true, kvMount: "secret", approleMount: "approle", kubernetesMount: "kubernetes", kubernetesReviewer: "vault" },
    );
    assert.deepEqual(Object.keys(platformOutputs.namespaces as object).sort(), ["apps", "logAgent", "observability"]);
  });

  it("reads them through a StackReference to the platform's production stack", () => {
    const references = resources.filter((resource) => resource.type === "pulumi:pulumi:StackReference");
    assert.deepEqual(references.map((reference) => reference.inputs.name), [PLATFORM_STACK]);
  });

  it("deploys its own service with the platform's collector endpoint and its own Kubernetes auth role on the platform's mounts", () => {
    const configMap = resources.find((resource) => resource.type === "kubernetes:core/v1:ConfigMap" && (resource.inputs.metadata as any).name === "reports-config");
    assert.ok(configMap, "the consumer's service has no ConfigMap");
    const env = configMap.inputs.data as Record<string, string>;
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, platformOutputs.collectorEndpoint);
    assert.equal(env.VAULT_KV_MOUNT, "secret");
    assert.equal(env.VAULT_K8S_TOKEN_FILE, "/var/run/secrets/blueprint/vault-token/token");
    assert.equal(env.VAULT_K8S_ROLE, "blueprint-reports");
    const role = resources.find((resource) => resource.type === "vault:kubernetes/authBackendRole:AuthBackendRole");
    assert.deepEqual(
      { backend: role?.inputs.backend, roleName: role?.inputs.roleName, accounts: role?.inputs.boundServiceAccountNames, namespaces: role?.inputs.boundServiceAccountNamespaces },
      { backend: "kubernetes", roleName: "blueprint-reports", accounts: ["reports"], namespaces: ["reports"] },
    );
    assert.equal(outputs.collectorEndpoint, platformOutputs.collectorEndpoint);
  });

  it("gives its Vault provider the deployer's address from its own config, not the pods' address the platform exports", () => {
    const providers = resources.filter((resource) => resource.type === "pulumi:providers:vault");
    assert.deepEqual(providers.map((provider) => provider.inputs.address), [DEPLOYER_VAULT]);
    assert.notEqual(DEPLOYER_VAULT, (platformOutputs.vault as Record<string, unknown>).address);
  });

  it("puts the service in a restricted namespace of its own", () => {
    const namespace = resources.find((resource) => resource.type === "kubernetes:core/v1:Namespace" && (resource.inputs.metadata as any).name === "reports");
    assert.equal((namespace?.inputs.metadata as any)?.labels["pod-security.kubernetes.io/enforce"], "restricted");
  });

  it("is observed by the platform: its traces reach Jaeger and Prometheus scrapes it, by enrolment label alone", async () => {
    const platform = objectsOf(await stackRun("production"));
    const consumer = kubernetesObjects(resources);
    const model = new NetworkModel([...platform, ...consumer]);
    const deployment = consumer.find((object) => object.kind === "Deployment" && object.metadata.name === "reports") as any;
    const container = deployment.spec.template.spec.containers[0];
    const reports: Pod = {
      namespace: "reports",
      labels: deployment.spec.template.metadata.labels,
      namedPorts: Object.fromEntries(container.ports.map((port: any) => [port.name, port.containerPort])),
    };
    const jaeger: Pod = { namespace: "observability", labels: { "app.kubernetes.io/name": "jaeger" } };
    const prometheus: Pod = { namespace: "observability", labels: { "app.kubernetes.io/name": "prometheus" } };
    assert.equal(reports.labels["observability.blueprint.io/enrolled"], "true");
    assert.equal(model.canConnect(reports, jaeger, 4318), true, "reports → Jaeger OTLP/HTTP");
    assert.equal(model.canConnect(prometheus, reports, 8080), true, "Prometheus → reports /metrics on 8080");
    // Enrolment admits the metrics port only, and only enrolled namespaces: the same pod elsewhere is refused.
    assert.equal(model.canConnect(prometheus, reports, 8081), false);
    assert.equal(model.canConnect({ ...reports, namespace: "unenrolled" }, jaeger, 4318), false);
  });

  it("is discovered by the platform's Prometheus without a change to its config", async () => {
    const platform = await stackRun("production");
    const config = (platform.resources.find((resource) => resource.type === "kubernetes:core/v1:ConfigMap" && (resource.inputs.metadata as any).name === "prometheus-config")?.inputs.data as any)["prometheus.yml"] as string;
    assert.match(config, /label: observability\.blueprint\.io\/enrolled=true/);
    assert.doesNotMatch(config, /reports/);
  });

  describe("pointed at the platform of another environment", () => {
    let error: unknown;
    let declared: DeclaredResource[];

    before(async function () {
      // Every resource built from the platform's values fails with the check's one error; Node reports each
      // of those rejections as unhandled, which Mocha would blame on whichever test runs next.
      const rejections: unknown[] = [];
      const collect = (reason: unknown) => rejections.push(reason);
      process.on("unhandledRejection", collect);
      try {
        const run = runConsumer(platformOutputs, { "blueprint-consumer:environment": "staging" });
        declared = run.resources;
        error = await resolveOutputs(run.program).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        // Let every registration that waited on the platform's values fail before the listener goes.
        await new Promise((resolve) => setTimeout(resolve, 1000));
      } finally {
        process.off("unhandledRejection", collect);
      }
      assert.ok(rejections.every((reason) => reason === error), "every failure is the check's one error");
    });

    it("fails the update with a RunError naming the platform stack and both environments, and nothing else", () => {
      assert.ok(pulumi.RunError.isInstance(error), `expected a RunError, got ${String(error)}`);
      assert.equal((error as Error).message, `stack '${PLATFORM_STACK}' is the production platform, but this stack deploys to staging`);
    });

    it("declares none of its resources, not even its namespace", () => {
      assert.deepEqual(
        declared.filter((resource) => resource.type !== "pulumi:pulumi:StackReference").map((resource) => `${resource.type} ${resource.name}`),
        [],
      );
    });
  });
});
