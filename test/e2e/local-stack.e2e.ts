import type { Stack } from "@pulumi/pulumi/automation";
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { kubernetesObjects, type KubernetesObject } from "../../scripts/lib/manifests";
import { runBlueprint } from "../../scripts/lib/mockRun";
import { requireEngine } from "./support/engineMode";
import { localStack } from "./support/localStack";
import { copyProject, type ProjectCopy } from "./support/projectCopy";
import { objectKey, readRenderedObjects, securityFields } from "./support/renderedManifests";


/**
 * The main job's default path, the `local` stack rendered through renderYamlToDirectory (the staging-shaped
 * stack in the local cluster, cluster-stack.e2e.ts, covers image changes, rollback and policies), in order (each step starts from the state the previous one
 * left). The copy is a git repository with a clean tree at every update, as `npm run rollback` requires.
 */
describe("pulumi up/preview/destroy on the local stack through the real engine and the Kubernetes provider", function () {
  let copy: ProjectCopy;
  let stack: Stack;
  const renderDir = () => path.join(copy.dir, "rendered", "local");
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@invalid", ...args], { cwd: copy.dir, encoding: "utf8" });
  const commitAll = (message: string) => {
    git("add", "-A");
    git("commit", "-q", "--allow-empty", "-m", message);
  };

  before(async function () {
    requireEngine();
    copy = copyProject();
    git("init", "-q");
    fs.appendFileSync(path.join(copy.dir, ".git", "info", "exclude"), "node_modules\n"); // the symlink, not a directory
    stack = await localStack(copy); // writes the passphrase's encryptionsalt into Pulumi.local.yaml
    commitAll("e2e: the project as tested");
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
