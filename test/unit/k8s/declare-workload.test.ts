import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import { checksumAnnotationKey } from "../../../components/k8s/objectMeta";
import { claimMount, configMapMount } from "../../../components/k8s/mounts";
import { ENROLMENT_LABEL } from "../../../components/k8s/enrolment";
import { DEFAULT_RUN_AS, type SecureContainerArgs } from "../../../components/k8s/podSpec";
import { type Controller, declareWorkload } from "../../../components/k8s/workload";
import type { DeclaredResource } from "../../../scripts/lib/mocks";
import { underMocks } from "../../support/runs";

type Any = Record<string, any>;

const RESOURCES = {
  requests: { cpu: "10m", memory: "16Mi", ephemeralStorage: "16Mi" },
  limits: { cpu: "100m", memory: "64Mi", ephemeralStorage: "128Mi" },
};
const identity = { name: "app", component: "demo", namespace: "team" };

class Owner extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Owner", name, {}, {});
  }
}

function container(mounts: SecureContainerArgs["mounts"] = []): SecureContainerArgs {
  return { name: "app", image: "registry.example.com/app:1.0.0", resources: RESOURCES, mounts };
}

/** Declares one workload under the mocks and returns what was registered, by type. */
async function declared(controller: Controller, extra: Partial<Parameters<typeof declareWorkload>[0]> = {}, mounts = [configMapMount("config", "app-config", "/etc/app")]) {
  const { result } = await underMocks((resources: DeclaredResource[]) => {
    const parent = new Owner("owner");
    declareWorkload({ identity, parent, controller, runAs: DEFAULT_RUN_AS, containers: [container(mounts)], services: [{ ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] }], ...extra });
    return resources;
  });
  const byType = (type: string) => result.filter((resource) => resource.type === type);
  return { byType, names: result.map((resource) => `${resource.type}::${resource.name}`) };
}

describe("declareWorkload: one recipe for every pod", () => {
  it("declares the ServiceAccount, the Deployment, the PDB, the Service and the flow policy under their fixed names", async () => {
    const flows = { pods: { namespace: "team", podLabels: { "app.kubernetes.io/name": "app" } }, ingress: [], egress: [] };
    const { names, byType } = await declared({ kind: "Deployment", replicas: 2 }, { flows });
    for (const name of ["kubernetes:core/v1:ServiceAccount::app-sa", "kubernetes:apps/v1:Deployment::app-deployment", "kubernetes:policy/v1:PodDisruptionBudget::app-pdb", "kubernetes:core/v1:Service::app-service", "kubernetes:networking.k8s.io/v1:NetworkPolicy::app-netpol"]) {
      assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
    }
    const [deployment] = byType("kubernetes:apps/v1:Deployment") as Any[];
    const pod = deployment.inputs.spec.template.spec;
    assert.equal((byType("kubernetes:core/v1:ServiceAccount")[0] as Any).inputs.automountServiceAccountToken, false);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(pod.volumes.map((volume: Any) => volume.name), ["tmp", "config"]);
    // Two replicas spread over zones and nodes by default.
    assert.equal(pod.topologySpreadConstraints.length, 2);
  });

  it("leaves the count to an HPA when no replicas are given", async () => {
    const { byType } = await declared({ kind: "Deployment" });
    assert.ok(!("replicas" in (byType("kubernetes:apps/v1:Deployment")[0] as Any).inputs.spec));
  });

  it("gives a StatefulSet its claims from the claim mounts, and a headless Service", async () => {
    const { byType } = await declared({ kind: "StatefulSet", replicas: 1, podManagementPolicy: "OrderedReady" }, {}, [claimMount("data", "2Gi", "/data")]);
    const [set] = byType("kubernetes:apps/v1:StatefulSet") as Any[];
    assert.deepEqual(set.inputs.spec.volumeClaimTemplates.map((claim: Any) => [claim.metadata.name, claim.spec.resources.requests.storage]), [["data", "2Gi"]]);
    assert.ok(!set.inputs.spec.template.spec.volumes.some((volume: Any) => volume.name === "data"));
    assert.ok(byType("kubernetes:core/v1:Service").some((service: Any) => service.name === "app-headless-service"));
  });

  it("refuses a StatefulSet without a claim mount and claims on anything else", async () => {
    await assert.rejects(declared({ kind: "StatefulSet", replicas: 1, podManagementPolicy: "OrderedReady" }), /app: a StatefulSet needs a claim mount for its data/);
    await assert.rejects(declared({ kind: "Deployment", replicas: 1 }, {}, [claimMount("data", "2Gi", "/data")]), /app: only a StatefulSet can hold claim mounts/);
  });

  it("gives a DaemonSet no PDB, and enrols a pod that serves metrics with its checksums on the template", async () => {
    const { byType } = await declared({ kind: "DaemonSet" }, { template: { metrics: { port: 9598, path: "/metrics" }, checksums: { config: "abc" } }, services: [] });
    assert.equal(byType("kubernetes:policy/v1:PodDisruptionBudget").length, 0);
    const metadata = (byType("kubernetes:apps/v1:DaemonSet")[0] as Any).inputs.spec.template.metadata;
    assert.equal(metadata.labels[ENROLMENT_LABEL], "true");
    assert.equal(metadata.annotations[checksumAnnotationKey("config")], "abc");
  });
});
