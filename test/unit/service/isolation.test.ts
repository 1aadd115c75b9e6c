import * as assert from "node:assert/strict";
import type { RawStackConfig } from "../../../components/stackConfig";
import { platformEndpoints } from "../../../components/platformEndpoints";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { NetworkModel, type Pod } from "../../support/networkReach";
import { type MockRun, findObject, objectsOf, runWith } from "../../support/runs";
import { canRead, kvSecretPaths, vaultIdentities } from "../../support/vaultAccess";
import { serviceRoleName, serviceSecretPath } from "../../../components/vault/names";

type Any = any;

/** Staging's config with two more services: one sharing the apps namespace, one in a namespace of its own. */
function threeServices(allowFrom: Record<string, string[]> = {}): RawStackConfig {
  const staging = loadStackFile("staging");
  const services = staging.values.services as Record<string, Any>;
  const first = services["items-api"];
  const sized = (name: string, port: number, extra: Record<string, unknown> = {}) => ({
    image: { build: false, ref: `ghcr.io/production-blueprint/${name}:1.0.0` },
    port,
    replicas: first.replicas,
    resources: first.resources,
    // Another team's image: its own entrypoint, its own health paths, /metrics on its port.
    probes: { liveness: { path: "/healthz" }, readiness: { path: "/readyz" } },
    metrics: { port: "http", path: "/metrics" },
    topologySpread: false,
    ...extra,
  });
  const all: Record<string, Any> = { "items-api": first, orders: sized("orders", 8080), billing: sized("billing", 9000, { namespace: "billing" }) };
  for (const [name, callers] of Object.entries(allowFrom)) all[name] = { ...all[name], allowFrom: callers };
  return { ...staging, values: { ...staging.values, services: all } };
}

interface ServicePod extends Pod {
  name: string;
  ports: number[];
}

function servicePods(run: MockRun): ServicePod[] {
  return Object.keys(run.config.services).map((name) => {
    const deployment = findObject(run, "Deployment", name) as Any;
    const template = deployment.spec.template;
    return {
      name,
      namespace: deployment.metadata.namespace,
      labels: template.metadata.labels,
      ports: template.spec.containers.flatMap((container: Any) => (container.ports ?? []).map((port: Any) => port.containerPort)),
    };
  });
}

function pairs<T extends { name: string }>(items: T[]): [T, T][] {
  return items.flatMap((a) => items.filter((b) => b !== a).map((b) => [a, b] as [T, T]));
}

/** Every (source → target) flow between services the policies let through, on any of the target's ports. */
function openFlows(run: MockRun, check: (model: NetworkModel, source: ServicePod, target: ServicePod, port: number) => boolean): string[] {
  const model = new NetworkModel(objectsOf(run));
  return pairs(servicePods(run))
    .filter(([source, target]) => target.ports.some((port) => check(model, source, target, port)))
    .map(([source, target]) => `${source.name}->${target.name}`);
}

describe("isolation between services (three services on staging)", () => {
  let run: MockRun;
  before(async () => {
    run = await runWith("staging", threeServices());
  });

  it("places the services as configured: two in the shared apps namespace, one in its own", () => {
    assert.deepEqual(
      servicePods(run).map(({ name, namespace }) => `${name}@${namespace}`),
      ["items-api@apps", "orders@apps", "billing@billing"],
    );
  });

  it("has no NetworkPolicy admitting one service's pods into another's, on any container port", () => {
    assert.deepEqual(openFlows(run, (model, source, target, port) => model.ingressAllows(target, source, port)), []);
  });

  it("has no NetworkPolicy letting one service's pods connect out to another's", () => {
    assert.deepEqual(openFlows(run, (model, source, target, port) => model.egressAllows(source, target, port)), []);
  });

  it("lets Prometheus scrape every service's metrics port (both ends open), and admits the ingress controller only where an ingress is configured", () => {
    const model = new NetworkModel(objectsOf(run));
    const endpoints = platformEndpoints(run.config.namespaces);
    const prometheusWorkload = objectsOf(run).find(
      (object) => ["Deployment", "StatefulSet"].includes(object.kind) && object.metadata.namespace === endpoints.prometheus.namespace && object.metadata.name === endpoints.prometheus.serviceName,
    ) as Any;
    assert.ok(prometheusWorkload, "no Prometheus workload in the render");
    const prometheus = { namespace: endpoints.prometheus.namespace, labels: prometheusWorkload.spec.template.metadata.labels };
    const controller = { namespace: run.config.ingressController.namespace, labels: run.config.ingressController.podLabels };
    for (const service of servicePods(run)) {
      const port = run.config.services[service.name].port;
      assert.ok(model.canConnect(prometheus, service, port), `${service.name}: Prometheus cannot scrape port ${port}`);
      assert.equal(model.ingressAllows(service, controller, port), run.config.services[service.name].ingress !== undefined, `${service.name}: ingress controller`);
    }
  });

  it("gives each service a Vault role that reads its own secret and no other service's", () => {
    const identities = vaultIdentities(run);
    const secrets = kvSecretPaths(run);
    const names = Object.keys(run.config.services);
    assert.deepEqual([...identities.keys()].sort(), names.map(serviceRoleName).sort(), "one AppRole per service");
    for (const reader of names) {
      const identity = identities.get(serviceRoleName(reader)) as NonNullable<ReturnType<typeof identities.get>>;
      for (const owner of names) {
        const path = secrets.get(serviceSecretPath(owner)) as string;
        assert.equal(canRead(identity, path), reader === owner, `${reader} reading ${path} (policies: ${identity.policies.join(", ")})`);
      }
    }
  });
});

describe("allowFrom opens exactly the configured flow (billing.allowFrom = [orders])", () => {
  let run: MockRun;
  before(async () => {
    run = await runWith("staging", threeServices({ billing: ["orders"] }));
  });

  it("lets orders connect to billing across namespaces: billing admits it and orders may send", () => {
    assert.deepEqual(openFlows(run, (model, source, target, port) => model.canConnect(source, target, port)), ["orders->billing"]);
  });

  it("opens no other ingress or egress between services, not even billing back to orders", () => {
    assert.deepEqual(openFlows(run, (model, source, target, port) => model.ingressAllows(target, source, port)), ["orders->billing"]);
    assert.deepEqual(openFlows(run, (model, source, target, port) => model.egressAllows(source, target, port)), ["orders->billing"]);
  });

  it("opens the flow on billing's port only", () => {
    const model = new NetworkModel(objectsOf(run));
    const [orders, billing] = ["orders", "billing"].map((name) => servicePods(run).find((pod) => pod.name === name) as ServicePod);
    assert.ok(model.canConnect(orders, billing, 9000));
    assert.ok(!model.canConnect(orders, billing, 8080), "billing reachable on a port it does not serve");
  });
});

describe("the NetworkPolicy evaluator the isolation tests rely on", () => {
  const pod = (namespace: string, name: string): Pod => ({ namespace, labels: { "app.kubernetes.io/name": name } });
  const policy = (namespace: string, spec: Record<string, unknown>) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", namespace }, spec });

  it("treats a pod no policy selects as open, and a default-deny as closing it", () => {
    assert.ok(new NetworkModel([]).canConnect(pod("a", "x"), pod("b", "y"), 80));
    const denied = new NetworkModel([policy("b", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })]);
    assert.ok(!denied.ingressAllows(pod("b", "y"), pod("a", "x"), 80));
  });

  it("reads a podSelector-only peer as the policy's own namespace, and an ipBlock as reaching any pod", () => {
    const model = new NetworkModel([policy("b", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "x" } } }] }] })]);
    assert.ok(model.ingressAllows(pod("b", "y"), pod("b", "x"), 80));
    assert.ok(!model.ingressAllows(pod("b", "y"), pod("a", "x"), 80));
    const cidr = new NetworkModel([policy("b", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ port: 80 }] }] })]);
    assert.ok(cidr.ingressAllows(pod("b", "y"), pod("a", "x"), 80));
    assert.ok(!cidr.ingressAllows(pod("b", "y"), pod("a", "x"), 81));
  });
});
