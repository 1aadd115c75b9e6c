import * as assert from "node:assert/strict";
import { platformEndpoints } from "../../../components/platformEndpoints";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { findObject, objectsOfKind, runWith, stackRun, type MockRun } from "../../support/runs";

type Any = Record<string, any>;

const SERVICE = "items-api";
const APPS = "apps";

function selects(selector: Any | undefined, labels: Record<string, string>): boolean {
  if (selector?.matchExpressions?.length) throw new Error("matchExpressions are not evaluated by this test; extend it");
  return Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

function peerName(peer: Any): string {
  if (peer.ipBlock) return `cidr ${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(",")}` : ""}`;
  const namespace = peer.namespaceSelector ? (peer.namespaceSelector.matchLabels?.["kubernetes.io/metadata.name"] ?? "ANY-NAMESPACE") : "SAME-NAMESPACE";
  const pods = Object.entries(peer.podSelector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  return `${namespace}/${pods.join(",") || "ANY-POD"}`;
}

/**
 * Every destination the service's pods may open, as the union of all NetworkPolicies that select them:
 * policies are additive, so one permissive policy anywhere in the namespace would show up here.
 */
function egressOfServicePods(run: MockRun): { isolated: boolean; destinations: string[] } {
  const podLabels = (findObject(run, "Deployment", SERVICE, APPS) as Any).spec.template.metadata.labels;
  const policies = objectsOfKind(run, "NetworkPolicy").filter((policy) => policy.metadata.namespace === APPS && selects((policy as Any).spec.podSelector, podLabels));
  const destinations = new Set<string>();
  for (const policy of policies as Any[]) {
    for (const rule of policy.spec.egress ?? []) {
      const peers: string[] = rule.to?.length ? rule.to.map(peerName) : ["ANYWHERE"];
      const ports: string[] = rule.ports?.length ? rule.ports.map((port: Any) => `${port.port}/${port.protocol ?? "TCP"}`) : ["ALL-PORTS"];
      for (const peer of peers) for (const port of ports) destinations.add(`${peer}:${port}`);
    }
  }
  return { isolated: (policies as Any[]).some((policy) => policy.spec.policyTypes?.includes("Egress")), destinations: [...destinations].sort() };
}

function expectedBase(run: MockRun): string[] {
  const jaeger = platformEndpoints(run.config.namespaces).jaeger;
  const jaegerPeer = `${jaeger.namespace}/${Object.entries(jaeger.podLabels).map(([key, value]) => `${key}=${value}`).join(",")}`;
  return ["kube-system/k8s-app=kube-dns:53/TCP", "kube-system/k8s-app=kube-dns:53/UDP", `${jaegerPeer}:${jaeger.otlpGrpcPort}/TCP`, `${jaegerPeer}:${jaeger.otlpHttpPort}/TCP`];
}

describe("the service's egress: DNS, Jaeger and Vault, nothing else", () => {
  for (const stack of ["staging", "production"] as const) {
    it(`${stack}: the pods are egress-isolated and may reach only DNS, the Jaeger collector and Vault pods on 8200`, async () => {
      const run = await stackRun(stack);
      const egress = egressOfServicePods(run);
      assert.equal(egress.isolated, true);
      assert.deepEqual(egress.destinations, [...expectedBase(run), "vault/app.kubernetes.io/name=vault:8200/TCP"].sort());
    });
  }

  it("an external Vault given by CIDR is reached on that CIDR and port only", async () => {
    const raw = loadStackFile("production");
    const vault = { ...(raw.values.vault as Any), network: { cidr: "192.0.2.10/32", port: 8443 } };
    const run = await runWith("production", { values: { ...raw.values, vault }, secretKeys: raw.secretKeys });
    assert.deepEqual(egressOfServicePods(run).destinations, [...expectedBase(run), "cidr 192.0.2.10/32:8443/TCP"].sort());
  });

  it("local (Vault off): no Vault egress at all", async () => {
    const run = await stackRun("local");
    const egress = egressOfServicePods(run);
    assert.equal(egress.isolated, true);
    assert.deepEqual(egress.destinations, expectedBase(run).sort());
  });

  it("the union reports a permissive rule, so the checks above can fail", () => {
    const labels = { "app.kubernetes.io/name": SERVICE };
    const wideOpen = { kind: "NetworkPolicy", metadata: { name: "x", namespace: APPS }, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{}] } };
    const run = {
      resources: [
        { type: "kubernetes:apps/v1:Deployment", name: "d", inputs: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: SERVICE, namespace: APPS }, spec: { template: { metadata: { labels } } } } },
        { type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", name: "x", inputs: { apiVersion: "networking.k8s.io/v1", ...wideOpen } },
      ],
    } as unknown as MockRun;
    assert.deepEqual(egressOfServicePods(run).destinations, ["ANYWHERE:ALL-PORTS"]);
  });
});
