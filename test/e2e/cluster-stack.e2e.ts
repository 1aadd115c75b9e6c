import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { imageRefs } from "../../scripts/lib/history";
import { clusterDown, clusterPaths, clusterUp, loadKubeConfig, waitFor } from "../../scripts/lib/localCluster";
import type { KubernetesObject } from "../../policy/kubernetes";
import { kubernetesObjects } from "../../scripts/lib/manifests";
import { runBlueprint } from "../../scripts/lib/mockRun";
import { loadStackFile, PROJECT_ROOT } from "../../scripts/lib/stackFile";
import {
  CLUSTER_SERVICES,
  CLUSTER_STACK,
  clusterStack,
  clusterStackEnv,
  differences,
  eventsWithReason,
  notReady,
  readLive,
  standInIngressController,
  stateObjects,
  writeClusterStackFile,
} from "./support/clusterStack";
import { requireEngine } from "./support/engineMode";
import { editStackFile, failureText } from "./support/localStack";
import { copyProject, type ProjectCopy } from "../support/projectCopy";
import { objectKey, securityFields } from "./support/renderedManifests";

const SERVICE = ["config", "production-blueprint:services", "items-api"];
const seconds = (started: number) => ((Date.now() - started) / 1000).toFixed(1);

/**
 * The main job for real: a staging-shaped stack (staging's committed config, Vault off) deployed by the real
 * engine and the real Kubernetes provider into the local cluster (a real kube-apiserver 1.34 with
 * PodSecurity and RBAC, controller-manager and scheduler; kwok simulates the nodes). The steps run in
 * order, each from the state the previous one left.
 */
describe(`pulumi up, preview, rollback and destroy of a staging-shaped stack in the local cluster`, function () {
  let copy: ProjectCopy;
  let stack: Stack;
  let kube: k8s.KubeConfig;
  let createdCluster = false;
  let stopIngressController = () => {};
  let firstObjects: KubernetesObject[] = [];
  const paths = clusterPaths(PROJECT_ROOT);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@invalid", ...args], { cwd: copy.dir, encoding: "utf8" });
  const commitAll = (message: string) => {
    git("add", "-A");
    git("commit", "-q", "--allow-empty", "-m", message);
  };
  const editStack = (edit: Parameters<typeof editStackFile>[2]) => editStackFile(copy, CLUSTER_STACK, edit);
  const liveDeployment = async () => (await readLive(kube, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "items-api", namespace: "apps" } })) as any;
  const firstImage = () => (loadStackFile(CLUSTER_STACK, copy.dir).values as any).services["items-api"].image.ref as string;

  before(async function () {
    this.timeout(40 * 60_000); // a cold build of the cluster's programs, when they are missing
    requireEngine();
    createdCluster = (await clusterUp(paths, (line) => console.log(`      ${line}`))).created;
    kube = (await loadKubeConfig(paths))!;
    stopIngressController = await standInIngressController(kube);
    console.log("      ingress: a stand-in ingress controller publishes 127.0.0.1 on each Ingress (the cluster has no real one)");
    copy = copyProject();
    writeClusterStackFile(copy, paths.kubeconfig);
    git("init", "-q");
    fs.appendFileSync(path.join(copy.dir, ".git", "info", "exclude"), "node_modules\n");
    stack = await clusterStack(copy);
    commitAll("e2e: the project as tested");
  });

  after(async function () {
    this.timeout(10 * 60_000);
    stopIngressController();
    // Whatever failed above, nothing of this run stays in the cluster, and a cluster this run started stops.
    if (stack) await stack.destroy({ color: "never" }).catch((error) => console.log(`      cleanup destroy failed: ${failureText(error)}`));
    if (createdCluster) clusterDown(paths, (line) => console.log(`      ${line}`));
    copy?.remove();
  });

  it("1. up from empty: the API server accepts every object, every workload becomes ready, and the security-relevant fields match the offline render", async function () {
    const started = Date.now();
    await stack.up({ color: "never" });
    console.log(`      timing: cold up ${seconds(started)} s`);
    firstObjects = await stateObjects(stack);
    const offline = new Map(kubernetesObjects((await runBlueprint(CLUSTER_STACK, loadStackFile(CLUSTER_STACK, copy.dir))).resources).map((object) => [objectKey(object), object]));
    assert.deepEqual(firstObjects.map(objectKey).sort(), [...offline.keys()].sort());
    const problems: string[] = [];
    for (const declared of firstObjects) {
      const live = await readLive(kube, declared);
      if (!live) {
        problems.push(`${objectKey(declared)}: not in the cluster`);
        continue;
      }
      const waiting = notReady(live);
      if (waiting) problems.push(`${objectKey(declared)}: not ready (${waiting})`);
      problems.push(...differences(securityFields(offline.get(objectKey(declared))!), securityFields(live)).map((d) => `${objectKey(declared)}${d}`));
    }
    assert.deepEqual(problems, []);
    // Both services, the Items API (its own command) and items-py (its image's entrypoint), admitted and ready.
    for (const name of CLUSTER_SERVICES) {
      const live = (await readLive(kube, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "apps" } })) as any;
      assert.ok(live, `Deployment apps/${name} is in the cluster`);
      assert.equal(notReady(live), undefined, `Deployment apps/${name} is ready`);
      assert.equal(live.status.readyReplicas, live.spec.replicas, `Deployment apps/${name}: every replica ready`);
      console.log(`      ${name}: ${live.status.readyReplicas}/${live.spec.replicas} ready, command ${JSON.stringify(live.spec.template.spec.containers[0].command ?? "(the image's entrypoint)")}`);
    }
    const workloads = firstObjects.filter((object) => ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(object.kind));
    console.log(`      ${firstObjects.length} objects in the cluster; ${workloads.length} workloads ready`);
  });

  it("2. a second up and a preview --refresh --expect-no-changes report no changes", async function () {
    const { summary } = await stack.up({ color: "never" });
    assert.deepEqual(Object.entries(summary.resourceChanges ?? {}).filter(([op, count]) => op !== "same" && count > 0), []);
    const started = Date.now();
    await stack.preview({ color: "never", refresh: true, expectNoChanges: true });
    console.log(`      timing: no-change preview (with refresh) ${seconds(started)} s`);
  });

  it("3. a new image reference changes only the Deployment, and the rollout completes in the cluster", async function () {
    const next = firstImage().replace(/:[^:@]+$/, ":0.2.0");
    editStack((document) => document.setIn([...SERVICE, "image", "ref"], next));
    commitAll("e2e: release items-api 0.2.0");
    const changed: string[] = [];
    const onEvent = (event: EngineEvent) => {
      const step = event.resourcePreEvent?.metadata;
      if (step && step.op !== "same") changed.push(`${step.op} ${step.type}`);
    };
    await stack.up({ color: "never", onEvent });
    assert.deepEqual(changed, ["update kubernetes:apps/v1:Deployment"]);
    const live = await liveDeployment();
    assert.equal(live.spec.template.spec.containers[0].image, next);
    assert.equal(notReady(live), undefined);
    assert.equal(live.status.updatedReplicas, live.spec.replicas ?? live.status.replicas);
  });

  it("4. npm run rollback -- --stack <s> --to 1 --yes brings the first image back, in the cluster and in the stack history", async function () {
    const rollback = spawnSync("npm", ["run", "rollback", "--", "--stack", CLUSTER_STACK, "--to", "1", "--yes"], {
      cwd: copy.dir,
      env: { ...process.env, ...clusterStackEnv(copy) },
      encoding: "utf8",
    });
    assert.equal(rollback.status, 0, `${rollback.stdout}\n${rollback.stderr}`);
    git("checkout", "--", `Pulumi.${CLUSTER_STACK}.yaml`);
    const live = await liveDeployment();
    const [newest] = await stack.history(1);
    assert.equal(newest.result, "succeeded");
    assert.match(newest.message ?? "", /^npm run rollback: config of version 1 /);
    const rolledBack = imageRefs(newest.config)["items-api"];
    assert.equal(live.spec.template.spec.containers[0].image, rolledBack);
    assert.doesNotMatch(rolledBack, /:0\.2\.0$/);
    assert.equal(notReady(live), undefined);
    // The stack file again holds what version 1 ran, so the next steps start from it.
    editStack((document) => document.setIn([...SERVICE, "image", "ref"], rolledBack));
    commitAll("e2e: rollback to version 1");
  });

  it("5. preview --policy-pack policy passes; a container without a memory limit fails with the policy's message", async function () {
    const policyPacks = [path.join(copy.dir, "policy")];
    const passed = await stack.preview({ color: "never", policyPacks });
    assert.match(passed.stdout, /production-blueprint@v0\.1\.0/);
    const program = path.join(copy.dir, "index.ts");
    const original = fs.readFileSync(program, "utf8");
    fs.writeFileSync(
      program,
      `import { runtime as e2eRuntime } from "@pulumi/pulumi";\n` +
        `e2eRuntime.registerStackTransformation(({ type, props, opts }) => {\n` +
        `  if (type !== "kubernetes:apps/v1:Deployment") return undefined;\n` +
        `  for (const container of props.spec?.template?.spec?.containers ?? []) delete container.resources?.limits?.memory;\n` +
        `  return { props, opts };\n});\n` +
        original,
    );
    let output = "";
    try {
      await stack.preview({ color: "never", policyPacks });
    } catch (error) {
      output = failureText(error);
    } finally {
      fs.writeFileSync(program, original);
    }
    assert.match(output, /containers-have-requests-and-limits/);
    assert.match(output, /container 'items-api' has no resources\.limits\.memory/);
  });

  it("6. a new volume size, an immutable StatefulSet field, is planned and applied as a replacement", async function () {
    let statefulSet = firstObjects.find((object) => object.kind === "StatefulSet" && object.metadata.name === "prometheus");
    assert.ok(statefulSet, "the stack has a prometheus StatefulSet");
    const before = (await readLive(kube, statefulSet)) as any;
    const size = before.spec.volumeClaimTemplates[0].spec.resources.requests.storage as string;
    const grown = `${parseInt(size, 10) + 1}Gi`;
    editStack((document) => document.setIn(["config", "production-blueprint:observability", "prometheus", "volumeSize"], grown));
    commitAll(`e2e: prometheus volume ${grown}`);
    const planned: string[] = [];
    await stack.preview({
      color: "never",
      onEvent: (event) => {
        const step = event.resourcePreEvent?.metadata;
        if (step && step.op !== "same") planned.push(`${step.op} ${step.type}`);
      },
    });
    assert.ok(planned.includes("replace kubernetes:apps/v1:StatefulSet") || planned.includes("delete-replaced kubernetes:apps/v1:StatefulSet"), planned.join(", "));
    await stack.up({ color: "never" });
    statefulSet = (await readLive(kube, statefulSet))!;
    const live = statefulSet as any;
    assert.equal(live.spec.volumeClaimTemplates[0].spec.resources.requests.storage, grown);
    assert.notEqual(live.metadata.uid, before.metadata.uid, "a new StatefulSet object");
    assert.equal(notReady(statefulSet), undefined);
  });

  it("7. a pod template that breaks \"restricted\" is refused by the API server's PodSecurity admission (the ReplicaSet's FailedCreate event)", async function () {
    const program = path.join(copy.dir, "index.ts");
    const original = fs.readFileSync(program, "utf8");
    // The regression a broken workload builder would ship: privilege escalation allowed. Short await: the
    // Deployment never becomes ready by design.
    fs.writeFileSync(
      program,
      `import { runtime as e2eRuntime } from "@pulumi/pulumi";\n` +
        `e2eRuntime.registerStackTransformation(({ type, name, props, opts }) => {\n` +
        `  if (type !== "kubernetes:apps/v1:Deployment" || !name.startsWith("items-api")) return undefined;\n` +
        `  props.metadata.annotations = { ...props.metadata.annotations, "pulumi.com/timeoutSeconds": "45" };\n` +
        `  for (const container of props.spec.template.spec.containers) container.securityContext.allowPrivilegeEscalation = true;\n` +
        `  props.spec.template.metadata.annotations = { ...props.spec.template.metadata.annotations, "e2e/broken": "true" };\n` +
        `  return { props, opts };\n});\n` +
        original,
    );
    let output = "";
    try {
      await stack.up({ color: "never" });
    } catch (error) {
      output = failureText(error);
    } finally {
      fs.writeFileSync(program, original);
    }
    assert.notEqual(output, "", "the up of a pod template that breaks restricted succeeded");
    const refusals = await waitFor(() => eventsWithReason(kube, "apps", "FailedCreate"), (events) => events.some((e) => e.includes("violates PodSecurity")), 60_000, "a FailedCreate event");
    const refusal = refusals.find((event) => event.includes("violates PodSecurity"))!;
    console.log(`      ${refusal}`);
    assert.match(refusal, /^ReplicaSet\/items-api-[a-z0-9]+: .*violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
    await stack.up({ color: "never" }); // back to the program as committed: the broken ReplicaSet is scaled away
    assert.equal(notReady((await liveDeployment())!), undefined);
  });

  it("8. destroy leaves no object of the stack in the cluster", async function () {
    await stack.destroy({ color: "never" });
    const left: string[] = [];
    for (const object of firstObjects) if (await readLive(kube, object)) left.push(objectKey(object));
    assert.deepEqual(left, []);
    assert.deepEqual((await stack.exportStack()).deployment.resources ?? [], []);
  });
});
