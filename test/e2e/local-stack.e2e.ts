import type { Stack } from "@pulumi/pulumi/automation";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { KubernetesObject } from "../../policy/kubernetes";
import { kubernetesObjects } from "../../scripts/lib/manifests";
import { runBlueprint } from "../../scripts/lib/mockRun";
import { requireEngine } from "./support/engineMode";
import { localStack } from "./support/localStack";
import { copyProject, type ProjectCopy } from "../support/projectCopy";
import { objectKey, readRenderedObjects, securityFields } from "./support/renderedManifests";

/**
 * The main job's default path, the `local` stack rendered through renderYamlToDirectory, in order (each step
 * starts from the state the previous one left). The staging-shaped stack in the local cluster
 * (cluster-stack.e2e.ts) covers image changes, rollback and policies.
 */
describe("pulumi up/preview/destroy on the local stack through the real engine and the Kubernetes provider", function () {
  let copy: ProjectCopy;
  let stack: Stack;
  const renderDir = () => path.join(copy.dir, "rendered", "local");

  before(async function () {
    requireEngine();
    copy = copyProject();
    stack = await localStack(copy);
  });
  after(() => copy?.remove());

  it("1. up renders the same objects as the offline render, with the same security-relevant fields", async function () {
    await stack.up({ color: "never" });
    const rendered = new Map(readRenderedObjects(renderDir()).map((object) => [objectKey(object), object]));
    const offline = new Map(kubernetesObjects((await runBlueprint("local")).resources).map((object: KubernetesObject) => [objectKey(object), object]));
    assert.deepEqual([...rendered.keys()].sort(), [...offline.keys()].sort());
    for (const [key, object] of offline) {
      assert.deepEqual(securityFields(rendered.get(key)!), securityFields(object), key);
    }
  });

  it("2. a second up with no change reports no changes", async function () {
    const { summary } = await stack.up({ color: "never" });
    const changed = Object.entries(summary.resourceChanges ?? {}).filter(([op, count]) => op !== "same" && count > 0);
    assert.deepEqual(changed, []);
  });

  it("3. destroy removes everything: no resources in the state, no manifests on disk", async function () {
    await stack.destroy({ color: "never" });
    const state = await stack.exportStack();
    assert.deepEqual(state.deployment.resources ?? [], []);
    assert.deepEqual(readRenderedObjects(renderDir()).map(objectKey), []);
  });
});
