import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { ASSUMED_NODES, STAGING_BUDGET, footprint, footprintMarkdown, podResources } from "../../../scripts/lib/sizing";
import { SIZING_DOC, SIZING_STACKS } from "../../../scripts/sizing";
import { objectsOf, stackRun } from "../../support/runs";

const footprintOf = async (stack: string) => footprint(stack, objectsOf(await stackRun(stack)));

describe("Footprint (scripts/sizing.ts, docs/sizing.md)", () => {
  it("keeps staging's total requests within 3 vCPU and 8 GiB, even while the setup Jobs run", async () => {
    const staging = await footprintOf("staging");
    const withJobs = staging.jobs.reduce((sum, job) => ({ cpu: sum.cpu + job.total.cpuRequest, memory: sum.memory + job.total.memoryRequest }), {
      cpu: staging.total.cpuRequest,
      memory: staging.total.memoryRequest,
    });
    assert.ok(staging.total.cpuRequest > 0 && staging.total.memoryRequest > 0);
    assert.ok(withJobs.cpu <= STAGING_BUDGET.cpuCores, `staging requests ${withJobs.cpu} vCPU > ${STAGING_BUDGET.cpuCores}`);
    assert.ok(withJobs.memory <= STAGING_BUDGET.memoryBytes, `staging requests ${withJobs.memory / 2 ** 30} GiB > 8`);
  });

  it("counts every platform workload and the service, multiplied by its pods", async () => {
    const staging = await footprintOf("staging");
    const components = staging.rows.map((row) => row.component);
    for (const expected of ["jaeger", "prometheus", "items-api"]) assert.ok(components.includes(expected), `${expected} missing from ${components}`);
    for (const row of staging.rows) {
      assert.ok(Math.abs(row.total.cpuRequest - row.perPod.cpuRequest * row.replicas) < 1e-9, row.component);
      assert.ok(Math.abs(row.total.memoryLimit - row.perPod.memoryLimit * row.replicas) < 1e-9, row.component);
    }
  });

  it("counts a Deployment scaled by an HPA at the HPA's minimum, and a DaemonSet once per assumed node", async () => {
    const production = await footprintOf("production");
    const api = production.rows.find((row) => row.component === "items-api");
    assert.equal(api?.replicas, 3);
    for (const row of production.rows.filter((entry) => entry.kind === "DaemonSet")) assert.equal(row.replicas, ASSUMED_NODES.production);
    assert.ok(production.totalAtHpaMax.cpuRequest > production.total.cpuRequest);
  });

  it("reserves for a pod its containers' sum, or its largest init container when that is bigger", () => {
    const container = (cpu: string, memory: string) => ({ resources: { requests: { cpu, memory }, limits: { cpu, memory } } });
    const pod = podResources({ initContainers: [container("2", "64Mi")], containers: [container("100m", "128Mi"), container("200m", "128Mi")] });
    assert.equal(pod.cpuRequest, 2);
    assert.equal(pod.memoryRequest, 256 * 2 ** 20);
    const withSidecar = podResources({ initContainers: [{ ...container("100m", "32Mi"), restartPolicy: "Always" }], containers: [container("100m", "64Mi")] });
    assert.ok(Math.abs(withSidecar.cpuRequest - 0.2) < 1e-9);
    assert.equal(withSidecar.memoryRequest, 96 * 2 ** 20);
  });

  it("docs/sizing.md is what `npm run sizing` generates from the current stacks", async () => {
    const footprints = [];
    for (const stack of SIZING_STACKS) footprints.push(await footprintOf(stack));
    assert.equal(fs.readFileSync(SIZING_DOC, "utf8"), `${footprintMarkdown(footprints)}\n`, "docs/sizing.md is stale: run `npm run sizing`");
  });
});
