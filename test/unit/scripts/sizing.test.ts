import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ASSUMED_NODES, budgetWarnings, footprint, parseBudget, peakRequests, podResources, committedBudgets } from "../../../scripts/lib/sizing";
import { knownStacks } from "../../../scripts/lib/stackFile";
import { SIZING_DOC, sizingPage } from "../../../scripts/sizing";
import { linesOf, runScript } from "../../support/commands";
import { copyProject, type ProjectCopy } from "../../support/projectCopy";
import { objectsOf, stackRun } from "../../support/runs";

const footprintOf = async (stack: string) => {
  const run = await stackRun(stack);
  return footprint(run.config.environment, objectsOf(run), undefined, stack);
};

describe("Footprint (scripts/sizing.ts, docs/sizing.md)", () => {
  it("warns, naming the stack and the figures, when a stack's requests with its setup Jobs exceed its budget", async () => {
    const staging = await footprintOf("staging");
    const peak = peakRequests(staging);
    assert.ok(peak.cpuCores > staging.total.cpuRequest, "the setup Jobs count towards the peak");
    assert.deepEqual(budgetWarnings("staging", staging, { cpuCores: peak.cpuCores, memoryBytes: peak.memoryBytes }), [], "a budget met exactly is no warning");
    assert.deepEqual(budgetWarnings("staging", staging, undefined), [], "a stack without a budget is not checked");
    const warnings = budgetWarnings("staging", staging, { cpuCores: 0.5, memoryBytes: 2 ** 30 });
    assert.equal(warnings.length, 2, warnings.join("\n"));
    assert.match(warnings[0], new RegExp(`^warning: stack 'staging' requests ${peak.cpuCores.toFixed(2)} vCPU with its setup Jobs running, over its budget of 0.5 vCPU \\(the budget is production-blueprint:sizing\\.budget in Pulumi\\.staging\\.yaml`));
    assert.match(warnings[1], /^warning: stack 'staging' requests [0-9.]+ GiB with its setup Jobs running, over its budget of 1\.00 GiB/);
  });

  it("takes each stack's budget from its stack file's sizing.budget, and checks none for a stack without one", () => {
    assert.deepEqual(committedBudgets(), { staging: { cpuCores: 3, memoryBytes: 8 * 2 ** 30 } });
  });

  it("reads --budget as STACK=CPU,MEMORY in Kubernetes quantities, and says what it takes otherwise", () => {
    assert.deepEqual(parseBudget("staging=1500m,12Gi"), { stack: "staging", budget: { cpuCores: 1.5, memoryBytes: 12 * 2 ** 30 } });
    assert.throws(() => parseBudget("staging=3"), /--budget takes STACK=CPU,MEMORY \(for example staging=3,8Gi\), got 'staging=3'/);
    assert.throws(() => parseBudget("staging=3,lots"), /--budget staging=3,lots: "lots" is not a Kubernetes quantity/);
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

  it("docs/sizing.md is what `npm run sizing -- --write` generates from the committed stacks and budgets", async () => {
    const footprints = [];
    for (const stack of knownStacks()) footprints.push(await footprintOf(stack));
    const { markdown } = sizingPage(footprints, committedBudgets());
    assert.ok(markdown.includes("## Budgets") && markdown.includes("`--budget STACK=CPU,MEMORY`"), "the page documents the budgets");
    assert.equal(fs.readFileSync(SIZING_DOC, "utf8"), markdown, "docs/sizing.md is stale: run `npm run sizing -- --write` and commit docs/sizing.md");
  });
});

describe("npm run sizing (the command)", () => {
  let copy: ProjectCopy;
  before(() => (copy = copyProject()));
  after(() => copy.remove());
  const page = () => fs.readFileSync(path.join(copy.dir, "docs", "sizing.md"), "utf8");

  it("prints the chosen stacks' page to stdout, warns about a budget on stderr, exits 0 and writes nothing", () => {
    const before = page();
    const run = runScript("sizing", ["--stack", "staging", "--budget", "staging=100m,1Gi"], { cwd: copy.dir });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^# Resource footprint\n/);
    assert.match(run.stdout, /\n## staging\n[^]*\| items-api \| apps \| Deployment \|/);
    assert.doesNotMatch(run.stdout, /\n## production\n/, "only the stack asked for");
    assert.match(run.stdout, /\(budget: 0\.1 vCPU and 1\.00 GiB, setup Jobs included\)/);
    const warnings = linesOf(run.stderr);
    assert.equal(warnings.length, 2, run.stderr);
    assert.ok(warnings.every((line) => line.startsWith("warning: stack 'staging' requests ")), run.stderr);
    assert.equal(page(), before, "docs/sizing.md was written without --write");
  });

  it("refuses --write for some stacks only (the page covers every committed stack) and an unknown --stack, writing nothing", () => {
    const before = page();
    const partial = runScript("sizing", ["--write", "--stack", "staging"], { cwd: copy.dir });
    assert.equal(partial.status, 2);
    assert.match(partial.stderr, /^sizing: --write rewrites docs\/sizing\.md for every committed stack with the committed budgets: use --out FILE/);
    const unknown = runScript("sizing", ["--stack", "qa"], { cwd: copy.dir });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^sizing: --stack qa: no such stack file \(known stacks: local, production, staging\)/);
    assert.equal(page(), before);
  });
});
