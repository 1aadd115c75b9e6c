import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { imageRefs } from "../../scripts/lib/history";
import { kubernetesObjects, type KubernetesObject } from "../../scripts/lib/manifests";
import { runBlueprint } from "../../scripts/lib/mockRun";
import { engineStatus, skipUnless } from "./support/engineMode";
import { dropMemoryLimit, editLocalConfig, failureText, localStack, localStackEnv, SERVICE_KEY } from "./support/localStack";
import { copyProject, type ProjectCopy } from "./support/projectCopy";
import { objectKey, readRenderedObjects, securityFields } from "./support/renderedManifests";

const FIRST_IMAGE = "ghcr.io/production-blueprint/items-api:0.1.0";
const NEW_IMAGE = "ghcr.io/production-blueprint/items-api:0.2.0";

/**
 * The steps 1–6 on the `local` stack, in order (each step starts from the state the previous one
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
  const deploymentImage = () => {
    const deployment = readRenderedObjects(renderDir()).find((object) => object.kind === "Deployment" && object.metadata.name === "items-api");
    return (deployment?.spec as any)?.template?.spec?.containers?.[0]?.image;
  };

  before(async function () {
    if (!engineStatus.ready) return; // every test below says why it is skipped
    copy = copyProject();
    git("init", "-q");
    fs.appendFileSync(path.join(copy.dir, ".git", "info", "exclude"), "node_modules\n"); // the symlink, not a directory
    stack = await localStack(copy); // writes the passphrase's encryptionsalt into Pulumi.local.yaml
    commitAll("e2e: the project as tested");
  });
  after(() => copy?.remove());
  beforeEach(function () {
    skipUnless(this, engineStatus.ready, engineStatus.reason);
  });

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

  it("3. up with a new image reference changes only the Deployment", async function () {
    editLocalConfig(copy, (config) => config.setIn([...SERVICE_KEY, "image", "ref"], NEW_IMAGE));
    commitAll("e2e: release items-api 0.2.0");
    const changed: string[] = [];
    const onEvent = (event: EngineEvent) => {
      const step = event.resourcePreEvent?.metadata;
      if (step && step.op !== "same") changed.push(`${step.op} ${step.type}`);
    };
    await stack.up({ color: "never", onEvent });
    assert.deepEqual(changed, ["update kubernetes:apps/v1:Deployment"]);
    assert.equal(deploymentImage(), NEW_IMAGE);
  });

  it("4. npm run rollback -- --stack local --to 1 --yes brings the first image back, in the manifest and in the stack history", async function () {
    const rollback = spawnSync("npm", ["run", "rollback", "--", "--stack", "local", "--to", "1", "--yes"], {
      cwd: copy.dir,
      env: { ...process.env, ...localStackEnv(copy) },
      encoding: "utf8",
    });
    assert.equal(rollback.status, 0, `${rollback.stdout}\n${rollback.stderr}`);
    assert.equal(deploymentImage(), FIRST_IMAGE);
    const [newest] = await stack.history(1);
    assert.equal(newest.result, "succeeded");
    assert.match(newest.message ?? "", /^npm run rollback: config of version 1 /);
    assert.equal(imageRefs(newest.config)["items-api"], FIRST_IMAGE);
    commitAll("e2e: rollback local to version 1");
  });

  it("5. preview --policy-pack policy passes, and a missing memory limit fails it: with the config's message, and past the config with the policy's", async function () {
    const policyPacks = [path.join(copy.dir, "policy")];
    const passed = await stack.preview({ color: "never", policyPacks });
    assert.match(passed.stdout, /production-blueprint@v0\.1\.0/); // the pack ran, and passed

    const failure = async () => {
      try {
        await stack.preview({ color: "never", policyPacks });
      } catch (error) {
        return failureText(error);
      }
      assert.fail("the preview with the policy pack succeeded on a broken stack");
    };
    // The program's own config check stops the broken config before any object reaches the policies.
    editLocalConfig(copy, dropMemoryLimit);
    assert.match(await failure(), /production-blueprint:services\.items-api\.resources\.limits\.memory: is required/);
    git("checkout", "--", "Pulumi.local.yaml");

    // The same missing limit past the config (as a regressed workload builder would produce it): the policy says so.
    // Registered before the program's own statements run, so it sees every resource.
    const program = path.join(copy.dir, "index.ts");
    fs.writeFileSync(
      program,
      `import { runtime as e2eRuntime } from "@pulumi/pulumi";\n` +
        `e2eRuntime.registerResourceTransform(({ type, props, opts }) => {\n` +
        `  if (type !== "kubernetes:apps/v1:Deployment") return undefined;\n` +
        `  for (const container of props.spec?.template?.spec?.containers ?? []) delete container.resources?.limits?.memory;\n` +
        `  return { props, opts };\n});\n` +
        fs.readFileSync(program, "utf8"),
    );
    const output = await failure();
    git("checkout", "--", "index.ts");
    assert.match(output, /containers-have-requests-and-limits/);
    assert.match(output, /container 'items-api' has no resources\.limits\.memory/);
  });

  it("6. destroy removes everything: no resources in the state, no manifests on disk", async function () {
    await stack.destroy({ color: "never" });
    const state = await stack.exportStack();
    assert.deepEqual(state.deployment.resources ?? [], []);
    assert.deepEqual(readRenderedObjects(renderDir()).map(objectKey), []);
  });
});
