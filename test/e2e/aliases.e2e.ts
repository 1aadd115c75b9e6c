import type { Stack } from "@pulumi/pulumi/automation";
import * as assert from "node:assert/strict";
import { requireEngine } from "./support/engineMode";
import { localStack } from "./support/localStack";
import { checkOutCommitInPlace } from "./support/projectAtCommit";
import { copyProject, type ProjectCopy } from "./support/projectCopy";

/** The last commit before the components were regrouped (the builder kit, a folder per system, renamed types). */
const BEFORE_RESTRUCTURING = "d2795904f28fd14037fab5f42792a81a168df57d";

/**
 * What the restructuring changed in the rendered objects on purpose; every other resource must be the same.
 * An update in place is all these may show: a replacement would mean an alias is missing.
 */
const DELIBERATE_UPDATES = [
  // revisionHistoryLimit 5, like every other Deployment, now that one builder declares them all.
  "kubernetes:apps/v1:Deployment::kibana-deployment",
  "kubernetes:apps/v1:Deployment::vector-aggregator-deployment",
  // An empty annotations map gone from the pod template, and an exemption reason that cited an outside document.
  "kubernetes:apps/v1:StatefulSet::prometheus-statefulset",
  // The agent's pods carry the enrolment label their scrape annotations always needed.
  "kubernetes:apps/v1:DaemonSet::vector-agent-daemonset",
  // The single-replica exemption's reason no longer cites an issue number.
  "kubernetes:apps/v1:Deployment::jaeger-deployment",
];

const typeAndName = (urn: string) => urn.split("::").slice(-2).join("::").replace(/^.*\$/, "");

/**
 * A stack deployed before the restructuring, previewed after it through the real engine: the renamed
 * component type (blueprint:observability:Platform → Observability) and everything under it are adopted by
 * their aliases, so the preview creates, deletes and replaces nothing.
 */
describe("aliases: a stack deployed before the restructuring sees no replacement after it", function () {
  let copy: ProjectCopy;
  let stack: Stack;

  before(async function () {
    requireEngine();
    copy = copyProject();
    stack = await localStack(copy);
  });
  after(() => copy?.remove());

  it("deploys the local stack with the program as it was before", async function () {
    const restore = checkOutCommitInPlace(copy, BEFORE_RESTRUCTURING);
    try {
      const { summary } = await stack.up({ color: "never" });
      assert.equal(summary.result, "succeeded");
      const state = await stack.exportStack();
      const types = (state.deployment.resources as { type: string }[]).map((resource) => resource.type);
      assert.ok(types.includes("blueprint:observability:Platform"), "the old stack holds the component under its former type");
    } finally {
      restore();
    }
  });

  it("previews it with today's program: same resources, only the deliberate updates, nothing created, deleted or replaced", async function () {
    const steps: { op: string; urn: string }[] = [];
    await stack.preview({
      color: "never",
      onEvent: (event) => {
        const metadata = event.resourcePreEvent?.metadata;
        if (metadata && metadata.type !== "pulumi:pulumi:Stack") steps.push({ op: metadata.op, urn: metadata.urn });
      },
    });
    assert.ok(steps.length > 100, `the preview saw ${steps.length} resources`);
    const changed = steps.filter((step) => step.op !== "same");
    const unexpected = changed.filter((step) => step.op !== "update" || !DELIBERATE_UPDATES.includes(typeAndName(step.urn)));
    assert.deepEqual(unexpected, [], "every step other than the deliberate updates must be 'same'");
    const observability = steps.find((step) => step.urn.endsWith("blueprint:observability:Observability::observability"));
    assert.equal(observability?.op, "same", "the renamed component is adopted through its alias");
  });
});
