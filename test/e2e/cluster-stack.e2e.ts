import { type EngineEvent, LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { imageRefs } from "../../scripts/lib/history";
import { clusterDown, clusterPaths, clusterUp, kubeClient, loadKubeConfig, waitFor } from "../../scripts/lib/localCluster";
import type { KubernetesObject } from "../../policy/kubernetes";
import { kubernetesObjects } from "../../scripts/lib/manifests";
import { runBlueprint } from "../../scripts/lib/mockRun";
import { loadStackFile, PROJECT_ROOT } from "../../scripts/lib/stackFile";
import { stateSecretsProvider, stateTransitKey } from "../../ci-identity/names";
import { belongsToStack, SHARED_STATE_OBJECTS, stackStateLayout } from "../../ci-identity/stateBackend";
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
import { backendKeys, createPreviewIdentity, deletePreviewIdentity, pulumiCli, reviewRules, StateVault, writeVerbs } from "./support/pipelineIdentity";
import type { PreviewRbac } from "../../ci-identity/previewRbac";

const SERVICE = ["config", "production-blueprint:services", "items-api"];
/** A second stack of the same project, encrypted with production's key: no deploy, only its secrets. */
const OTHER_STACK = "e2e-production";
/** The signature Pulumi's state marks a secret value with (sdk/go/common/resource/sig). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
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
  let previewRbacApplied: PreviewRbac | undefined;
  /** The state backend's keys as seen from inside an update, while it held the stack's lock. */
  let keysDuringUpdate: string[] = [];
  const vault = new StateVault();
  const paths = clusterPaths(PROJECT_ROOT);
  /**
   * The job's kubeconfig, as CI's setup action writes it ($RUNNER_TEMP/kubeconfig, exported as KUBECONFIG): one
   * path for every job, holding the identity of the job at hand. The path matters: the Kubernetes provider's
   * `kubeconfig` input defaults to KUBECONFIG, so another path would be planned as a provider update.
   */
  const jobKubeconfig = () => path.join(path.dirname(copy.dir), "job.kubeconfig");
  const stackEnv = () => clusterStackEnv(copy, jobKubeconfig(), vault.env(CLUSTER_STACK));
  const previewKubeconfig = () => path.join(path.dirname(copy.dir), "preview.kubeconfig");
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
    // The state secrets' Vault: a transit key per stack, and per stack a token that may use only its key.
    await vault.start([CLUSTER_STACK, OTHER_STACK]);
    console.log(`      vault: transit keys and tokens for ${CLUSTER_STACK} and ${OTHER_STACK} (${vault.env(CLUSTER_STACK).VAULT_ADDR})`);
    copy = copyProject();
    writeClusterStackFile(copy);
    fs.copyFileSync(paths.kubeconfig, jobKubeconfig());
    fs.chmodSync(jobKubeconfig(), 0o600);
    git("init", "-q");
    fs.appendFileSync(path.join(copy.dir, ".git", "info", "exclude"), "node_modules\n");
    stack = await clusterStack(copy, stackEnv(), stateSecretsProvider(CLUSTER_STACK));
    // One tag writes the stack's tags file, which every update reads: an S3 role scoped to its prefixes gets 403,
    // not 404, for a missing one (ci-identity/stateBackend.ts).
    await stack.setTag("blueprint:environment", "staging");
    commitAll("e2e: the project as tested");
  });

  after(async function () {
    this.timeout(10 * 60_000);
    stopIngressController();
    // Whatever failed above, nothing of this run stays in the cluster, and a cluster this run started stops.
    // The destroy decrypts the state, so Vault stops after it.
    if (stack) await stack.destroy({ color: "never" }).catch((error) => console.log(`      cleanup destroy failed: ${failureText(error)}`));
    if (previewRbacApplied) await deletePreviewIdentity(kube, previewRbacApplied).catch((error) => console.log(`      cleanup of the preview identity failed: ${(error as Error).message}`));
    await vault.stop();
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
    // Grafana, provisioned by the program (docs/observability.md, Grafana): admitted under "restricted" and ready.
    const grafana = (await readLive(kube, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "grafana", namespace: "observability" } })) as any;
    assert.ok(grafana, "Deployment observability/grafana is in the cluster");
    assert.equal(notReady(grafana), undefined, "Deployment observability/grafana is ready");
    console.log(`      grafana: ${grafana.status.readyReplicas}/${grafana.spec.replicas} ready`);
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

  it("3. state secrets: the stack is encrypted with its own Vault transit key (no passphrase), and its exported state holds only Vault ciphertext", async function () {
    const env = stackEnv();
    assert.equal(env.PULUMI_CONFIG_PASSPHRASE, undefined, "no passphrase in the stack's environment");
    const stackFile = fs.readFileSync(path.join(copy.dir, `Pulumi.${CLUSTER_STACK}.yaml`), "utf8");
    const provider = stateSecretsProvider(CLUSTER_STACK);
    assert.match(stackFile, new RegExp(`^secretsprovider: ${provider.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    assert.doesNotMatch(stackFile, /^encryptionsalt:/m);
    const encryptedKey = /^encryptedkey: (\S+)$/m.exec(stackFile)?.[1];
    assert.ok(encryptedKey, "the stack file has an encryptedkey");
    // The data key, as Vault's transit engine returned it: "vault:v<key version>:<ciphertext>".
    assert.match(Buffer.from(encryptedKey, "base64").toString("utf8"), /^vault:v1:[A-Za-z0-9+/=]+$/);
    const raw = pulumiCli(copy.dir, env, ["stack", "export", "--stack", CLUSTER_STACK]);
    assert.equal(raw.status, 0, raw.stderr);
    const state = JSON.parse(raw.stdout);
    assert.equal(state.deployment.secrets_providers.type, "cloud");
    assert.equal(state.deployment.secrets_providers.state.url, provider);
    const secretsIn = (value: unknown): Record<string, unknown>[] =>
      value === null || typeof value !== "object" ? [] : (value as Record<string, unknown>)[SECRET_SIG] !== undefined ? [value as Record<string, unknown>] : Object.values(value).flatMap(secretsIn);
    const sealed = secretsIn(state.deployment);
    assert.ok(sealed.length > 0, "the deployed state holds secret values");
    assert.deepEqual(sealed.filter((secret) => typeof secret.ciphertext !== "string" || "plaintext" in secret), [], "every secret is ciphertext");
    // The same state decrypted (the Automation API exports with --show-secrets): no plaintext of it is in the raw export.
    const plaintexts = secretsIn((await stack.exportStack()).deployment).map((secret) => String(secret.plaintext ?? "")).filter((text) => text.length >= 8);
    assert.ok(plaintexts.length > 0, "the decrypted export has secret values to look for");
    assert.equal(plaintexts.filter((text) => raw.stdout.includes(text)).length, 0, "a plaintext secret value is in the export without --show-secrets");
    console.log(`      ${CLUSTER_STACK}: ${sealed.length} secret values in state, all Vault ciphertext (${provider}); the up ran with this provider and the staging token`);
  });

  it("4. e2e-production's secrets open with production's Vault token only: staging's token gets Vault's 403", async function () {
    const productionEnv = { PULUMI_BACKEND_URL: copy.backendUrl, ...vault.env(OTHER_STACK) };
    const stagingEnv = { PULUMI_BACKEND_URL: copy.backendUrl, ...vault.env(CLUSTER_STACK) };
    assert.deepEqual(await vault.tokenPolicies(CLUSTER_STACK), [`e2e-ci-state-${CLUSTER_STACK}`]);
    assert.deepEqual(await vault.tokenPolicies(OTHER_STACK), [`e2e-ci-state-${OTHER_STACK}`]);
    const other = await clusterStack(copy, productionEnv, stateSecretsProvider(OTHER_STACK), OTHER_STACK);
    await other.setTag("blueprint:environment", "production");
    const probe = randomBytes(18).toString("base64url");
    await other.setConfig("production-blueprint:e2eProbe", { value: probe, secret: true });
    // A state with one secret output, without a deploy: imported in plaintext, stored encrypted by the stack's key.
    const exported = await other.exportStack();
    exported.deployment.resources = [
      {
        urn: `urn:pulumi:${OTHER_STACK}::production-blueprint::pulumi:pulumi:Stack::production-blueprint-${OTHER_STACK}`,
        custom: false,
        type: "pulumi:pulumi:Stack",
        outputs: { probe: { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(probe) } },
      },
    ];
    await other.importStack(exported);
    const raw = pulumiCli(copy.dir, productionEnv, ["stack", "export", "--stack", OTHER_STACK]);
    assert.equal(raw.status, 0, raw.stderr);
    assert.ok(!raw.stdout.includes(probe) && raw.stdout.includes('"ciphertext"'), "the production state holds the probe as ciphertext");
    for (const command of [["config", "--show-secrets"], ["stack", "export", "--show-secrets"]]) {
      const refused = pulumiCli(copy.dir, stagingEnv, [...command, "--stack", OTHER_STACK]);
      const output = `${refused.stdout}\n${refused.stderr}`;
      assert.notEqual(refused.status, 0, `pulumi ${command.join(" ")} of ${OTHER_STACK} with staging's token succeeded`);
      assert.ok(!output.includes(probe), "the refused command printed the secret");
      assert.match(output, new RegExp(`/v1/pulumi-state/decrypt/${stateTransitKey(OTHER_STACK)}\\s+Code: 403`));
      assert.match(output, /permission denied/);
      const url = /URL: (PUT \S+)/.exec(output)?.[1];
      console.log(`      staging's token, pulumi ${command.join(" ")}: exit ${refused.status}, ${url} → Code: 403, permission denied`);
      const allowed = pulumiCli(copy.dir, productionEnv, [...command, "--stack", OTHER_STACK]);
      assert.equal(allowed.status, 0, allowed.stderr);
      assert.ok(allowed.stdout.includes(probe), `pulumi ${command.join(" ")} with production's token shows the secret`);
    }
  });

  it("5. the preview identity (ci-identity/previewRbac.ts, a TokenRequest token): SelfSubjectRulesReview shows get, list and watch only", async function () {
    previewRbacApplied = await createPreviewIdentity(kube, paths.kubeconfig, firstObjects, previewKubeconfig());
    const identity = new (await kubeClient()).KubeConfig();
    identity.loadFromFile(previewKubeconfig());
    console.log(`      preview ClusterRole: ${previewRbacApplied.clusterRole.rules.map((rule) => `${rule.apiGroups[0] || "core"}: ${rule.resources.join(",")}`).join("; ")}`);
    for (const namespace of ["apps", "observability", "default"]) {
      const { own, everyUser, incomplete } = await reviewRules(identity, kube, namespace);
      assert.deepEqual(writeVerbs(own), [], `write verbs the preview identity holds in ${namespace}`);
      assert.ok(own.some((rule) => rule.apiGroups?.includes("apps") && rule.resources?.includes("deployments") && rule.verbs.includes("get")), `no get on deployments in ${namespace}`);
      // Secrets are withheld (PREVIEW_WITHHELD_KINDS): the pull request's code runs as this identity.
      assert.ok(!own.some((rule) => (rule.apiGroups ?? [""]).includes("") && (rule.resources?.includes("secrets") || rule.resources?.includes("*"))), `the preview identity reads Secrets in ${namespace}`);
      // What system:basic-user gives every authenticated user: creating reviews of one's own access.
      assert.deepEqual(writeVerbs(everyUser).filter((verb) => !/^create authentication\.k8s\.io|^create authorization\.k8s\.io/.test(verb)), []);
      console.log(`      ${namespace}: ${own.length} rules of its own, verbs ${[...new Set(own.flatMap((rule) => rule.verbs))].sort().join(",")}; every user's: ${writeVerbs(everyUser).join("; ")}${incomplete ? " (review incomplete: another authorizer in the chain lists no rules)" : ""}`);
    }
  });

  it("6. with the preview identity: preview (no refresh) succeeds, also of a new image (an update); up fails with the API server's forbidden and changes nothing", async function () {
    const keysFile = path.join(path.dirname(copy.dir), "keys-during-update.json");
    // The preview job: same stack, same config, same KUBECONFIG path, holding the preview identity (restored below).
    const deployIdentity = fs.readFileSync(jobKubeconfig());
    const changes = (summary: Record<string, number> | undefined) => Object.entries(summary ?? {}).filter(([op, count]) => op !== "same" && count > 0);
    const stepsOf = (into: string[]) => (event: EngineEvent) => {
      const step = event.resourcePreEvent?.metadata;
      if (step && step.op !== "same") into.push(`${step.op} ${step.type}`);
    };
    const planned: string[] = [];
    let plannedImage: unknown;
    let plannedUid: unknown = "(no outputs event)";
    try {
      fs.copyFileSync(previewKubeconfig(), jobKubeconfig());
      const previewer = await LocalWorkspace.selectStack({ stackName: CLUSTER_STACK, workDir: copy.dir }, { envVars: { ...stackEnv(), E2E_STATE_KEYS_FILE: keysFile } });
      let started = Date.now();
      const quietSteps: string[] = [];
      const quiet = await previewer.preview({ color: "never", refresh: false, onEvent: stepsOf(quietSteps) });
      assert.deepEqual(changes(quiet.changeSummary), [], quietSteps.join(", "));
      console.log(`      timing: no-change preview with the preview identity ${seconds(started)} s`);

      const deployment = firstObjects.find((object) => object.kind === "Deployment" && object.metadata.name === "items-api")!;
      const before = (await readLive(kube, deployment)) as any;
      const next = firstImage().replace(/:[^:@]+$/, ":0.2.0-preview");
      editStack((document) => document.setIn([...SERVICE, "image", "ref"], next));
      started = Date.now();
      const changed = await previewer.preview({
        color: "never",
        refresh: false,
        onEvent: (event) => {
          stepsOf(planned)(event);
          const outputs = event.resOutputsEvent?.metadata;
          if (outputs?.type === "kubernetes:apps/v1:Deployment" && outputs.urn.endsWith("items-api-deployment")) {
            plannedImage = outputs.new?.outputs?.spec?.template?.spec?.containers?.[0]?.image;
            plannedUid = outputs.new?.outputs?.metadata?.uid;
          }
        },
      });
      console.log(`      timing: preview of a new image with the preview identity ${seconds(started)} s`);
      assert.deepEqual(planned, ["update kubernetes:apps/v1:Deployment"]);
      assert.deepEqual(changes(changed.changeSummary), [["update", 1]], planned.join(", "));
      assert.equal(plannedImage, next);
      // What the provider does without `patch` (pulumi-kubernetes 4.25.0, provider.go): its Diff is computed on the
      // client (old live object against the new inputs); its Update in preview mode is a server-side dry-run apply
      // (PATCH ?dryRun=All), which the API server refuses; on forbidden it plans from the new inputs alone, so the
      // planned object has none of the fields the server would add (no metadata.uid). Its log line for that is at
      // level 9 and goes to the engine, not to a file this test could read.
      console.log(`      provider: planned ${planned.join(", ")} to ${String(plannedImage)}; planned outputs carry metadata.uid: ${plannedUid === undefined ? "no (the inputs only: the dry-run apply was refused)" : String(plannedUid)}`);

      // up: the program runs while the update holds the stack's lock, so it records the backend's keys then.
      const program = path.join(copy.dir, "index.ts");
      const original = fs.readFileSync(program, "utf8");
      fs.writeFileSync(
        program,
        `import * as e2eFs from "node:fs";\nimport * as e2ePath from "node:path";\n` +
          `{\n  const root = new URL(process.env.PULUMI_BACKEND_URL!).pathname;\n` +
          `  const files = (e2eFs.readdirSync(root, { recursive: true, encoding: "utf8" }) as string[]).filter((file) => e2eFs.statSync(e2ePath.join(root, file)).isFile());\n` +
          `  e2eFs.writeFileSync(process.env.E2E_STATE_KEYS_FILE!, JSON.stringify(files));\n}\n` +
          original,
      );
      let output = "";
      try {
        // The refusal comes with the first PATCH. Bounded: an identity that may patch would otherwise wait out the
        // provider's 10-minute rollout await, unable to read the ReplicaSets and Pods it watches.
        await previewer.up({ color: "never", signal: AbortSignal.timeout(180_000) });
      } catch (error) {
        output = failureText(error);
      } finally {
        fs.writeFileSync(program, original);
      }
      // Read first, so a failure below still leaves the layout check (13) what the update held.
      const all = JSON.parse(fs.readFileSync(keysFile, "utf8")) as string[];
      keysDuringUpdate = all.map((file) => file.split(path.sep).join("/")).filter((key) => !key.endsWith(".attrs"));
      assert.ok(keysDuringUpdate.some((key) => key.startsWith(stackStateLayout(CLUSTER_STACK).locks)), `no lock under ${stackStateLayout(CLUSTER_STACK).locks} during the update: ${keysDuringUpdate.join(", ")}`);
      const forbidden = /deployments\.apps "items-api" is forbidden: User "system:serviceaccount:kube-system:pulumi-preview" cannot patch resource "deployments" in API group "apps" in the namespace "apps"/.exec(output);
      assert.ok(forbidden, `the up with the preview identity did not fail with the API server's forbidden:\n${output.slice(-3000)}`);
      console.log(`      up with the preview identity: ${forbidden[0]}`);
      const after = (await readLive(kube, deployment)) as any;
      assert.equal(after.metadata.generation, before.metadata.generation, "the Deployment's spec changed");
      assert.equal(after.spec.template.spec.containers[0].image, before.spec.template.spec.containers[0].image);
      const inState = (await stateObjects(stack)).find((object) => objectKey(object) === objectKey(deployment)) as any;
      assert.equal(inState.spec.template.spec.containers[0].image, before.spec.template.spec.containers[0].image, "the state records the refused image");
    } finally {
      fs.writeFileSync(jobKubeconfig(), deployIdentity);
      git("checkout", "--", `Pulumi.${CLUSTER_STACK}.yaml`, "index.ts");
    }
  });

  it("7. a new image reference changes only the Deployment, and the rollout completes in the cluster", async function () {
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

  it("8. npm run rollback -- --stack <s> --to 1 --yes brings the first image back, in the cluster and in the stack history", async function () {
    const rollback = spawnSync("npm", ["run", "rollback", "--", "--stack", CLUSTER_STACK, "--to", "1", "--yes"], {
      cwd: copy.dir,
      env: { ...process.env, ...stackEnv() },
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

  it("9. preview --policy-pack policy passes; a container without a memory limit fails with the policy's message", async function () {
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

  it("10. a new volume size, an immutable StatefulSet field, is planned and applied as a replacement", async function () {
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

  it("11. a pod template that breaks \"restricted\" is refused by the API server's PodSecurity admission (the ReplicaSet's FailedCreate event)", async function () {
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

  it("12. destroy leaves no object of the stack in the cluster", async function () {
    await stack.destroy({ color: "never" });
    const left: string[] = [];
    for (const object of firstObjects) if (await readLive(kube, object)) left.push(objectKey(object));
    assert.deepEqual(left, []);
    assert.deepEqual((await stack.exportStack()).deployment.resources ?? [], []);
  });

  it("13. every object the state backend holds for the stack lies under the prefixes ci-identity/stateBackend.ts documents", function () {
    const layout = stackStateLayout(CLUSTER_STACK);
    const other = stackStateLayout(OTHER_STACK);
    const keys = [...new Set([...backendKeys(copy.backendUrl), ...keysDuringUpdate])].sort();
    const outside = keys.filter((key) => !(SHARED_STATE_OBJECTS as readonly string[]).includes(key) && !belongsToStack(key, layout) && !belongsToStack(key, other));
    assert.deepEqual(outside, []);
    const own = keys.filter((key) => belongsToStack(key, layout));
    const count = (prefix: string) => own.filter((key) => key.startsWith(prefix)).length;
    const stackFiles = own.filter((key) => layout.stackObjects.includes(key)).map((key) => path.basename(key));
    assert.ok(stackFiles.includes(`${CLUSTER_STACK}.json`) && stackFiles.includes(`${CLUSTER_STACK}.pulumi-tags`), stackFiles.join(", "));
    for (const prefix of [layout.history, layout.backups, layout.locks]) assert.ok(count(prefix) > 0, `nothing under ${prefix}`);
    console.log(`      ${own.length} objects of ${CLUSTER_STACK}: ${stackFiles.join(", ")}; ${count(layout.history)} under ${layout.history}, ${count(layout.backups)} under ${layout.backups}, ${count(layout.locks)} under ${layout.locks} (during an update)`);
    console.log(`      shared: ${keys.filter((key) => (SHARED_STATE_OBJECTS as readonly string[]).includes(key)).join(", ")}; ${keys.filter((key) => belongsToStack(key, other)).length} objects of ${OTHER_STACK} under its own prefixes`);
  });
});
