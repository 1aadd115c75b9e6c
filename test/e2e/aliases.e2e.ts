import type { Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "node:child_process";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadStackFile, PROJECT_ROOT } from "../../scripts/lib/stackFile";
import { requireEngine } from "./support/engineMode";
import { editStackFile, localStack } from "./support/localStack";
import { checkOutCommitInPlace } from "./support/projectAtCommit";
import { copyProject, type ProjectCopy } from "../support/projectCopy";

/** The last commit before the components were regrouped (the builder kit, a folder per system, renamed types). */
const BEFORE_RESTRUCTURING = "d2795904f28fd14037fab5f42792a81a168df57d";

interface ListedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const typeAndName = (urn: string) => urn.split("::").slice(-2).join("::").replace(/^.*\$/, "");

/** The offline render of the copy's current tree: every resource's inputs, keyed by type and name. */
function offlineInputs(copy: ProjectCopy, outDir: string): Map<string, string> {
  execFileSync(path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["scripts/render.ts", "--stack", "local", "--out", outDir], { cwd: copy.dir, stdio: "pipe" });
  const listing = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8")) as ListedResource[];
  return new Map(listing.map((resource) => [`${resource.type}::${resource.name}`, JSON.stringify(resource.inputs)]));
}

/** The services the copy's local stack file declares. */
const stackServices = (copy: ProjectCopy): string[] => Object.keys((loadStackFile("local", copy.dir).values as { services: Record<string, unknown> }).services);

/**
 * A stack deployed before the restructuring, previewed after it through the real engine. A resource whose
 * URN changed without an alias shows as a create and a delete; one adopted through an alias whose inputs
 * changed shows as an update or, for a ConfigMap's data, a replacement. So: nothing may be deleted, nothing
 * created but what the old program never declared, and only resources whose inputs differ between the two
 * programs' offline renders may change at all.
 * The renamed component type (blueprint:observability:Platform, now Observability) must be adopted, unchanged.
 */
describe("aliases: a stack deployed before the restructuring sees no replacement after it", function () {
  let copy: ProjectCopy;
  let stack: Stack;
  let inputsBefore: Map<string, string>;
  /** The services the old stack file declared; one added since (items-py) is not the restructuring's concern. */
  let servicesBefore: string[];

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
      inputsBefore = offlineInputs(copy, path.join(copy.dir, "..", "render-before"));
      servicesBefore = stackServices(copy);
    } finally {
      restore();
    }
  });

  it("previews it with today's program: nothing deleted, nothing created but what the old program never declared, and only resources whose inputs changed differ", async function () {
    // Today's stack file with only the services the old one had: a service added since would rightly be created.
    const added = stackServices(copy).filter((name) => !servicesBefore.includes(name));
    editStackFile(copy, "local", (document) => {
      for (const name of added) document.deleteIn(["config", "production-blueprint:services", name]);
    });
    const inputsAfter = offlineInputs(copy, path.join(copy.dir, "..", "render-after"));
    const changedInputs = new Set([...inputsAfter].filter(([key, inputs]) => inputsBefore.get(key) !== inputs).map(([key]) => key));
    const steps: { op: string; resource: string }[] = [];
    await stack.preview({
      color: "never",
      onEvent: (event) => {
        const metadata = event.resourcePreEvent?.metadata;
        if (metadata && metadata.type !== "pulumi:pulumi:Stack") steps.push({ op: metadata.op, resource: typeAndName(metadata.urn) });
      },
    });
    assert.ok(steps.length > 100, `the preview saw ${steps.length} resources`);
    // A resource the old program never declared (Kafka's certificates since TLS, say) is rightly created. A renamed
    // one without an alias is still caught: its old URN is in the deployed stack, so the preview deletes it.
    const declaredSince = new Set([...inputsAfter.keys()].filter((key) => !inputsBefore.has(key)));
    const unaliased = steps.filter((step) => step.op === "delete" || (step.op === "create" && !declaredSince.has(step.resource)));
    assert.deepEqual(unaliased, [], "a resource created or deleted: its URN changed without an alias");
    const unexplained = steps.filter((step) => step.op !== "same" && !changedInputs.has(step.resource));
    assert.deepEqual(unexplained, [], "a resource changes although its inputs did not");
    const observability = steps.find((step) => step.resource === "blueprint:observability:Observability::observability");
    assert.equal(observability?.op, "same", "the renamed component is adopted through its alias");
    console.log(`      changed on purpose since ${BEFORE_RESTRUCTURING.slice(0, 7)}: ${steps.filter((step) => step.op !== "same").map((step) => `${step.resource} (${step.op})`).join(", ")}`);
  });
});
