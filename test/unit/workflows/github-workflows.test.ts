import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { isScalar, parseDocument } from "yaml";
import {
  CI_ENVIRONMENTS,
  CI_JOBS,
  CI_WORKFLOWS,
  JWT_AUTH_MOUNT,
  ciAudience,
  ciRoleName,
  githubEnvironment,
  type CiEnvironment,
  type CiJob,
} from "../../../ci-identity/names";
import { load, read, ROOT, stepsOf, type Step, type Yaml } from "./support/workflowFiles";

const SETUP_ACTION = "./.github/actions/pulumi-setup";
const SETUP_FILE = ".github/actions/pulumi-setup/action.yml";
/** Every workflow, so one added later is held to the same rules without being listed here. */
const WORKFLOW_FILES = fs
  .readdirSync(path.join(ROOT, ".github", "workflows"))
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()
  .map((name) => `.github/workflows/${name}`);
const workflows = new Map(WORKFLOW_FILES.map((file) => [file, load(file)]));

const ci = load(".github/workflows/ci.yml");
const preview = load(".github/workflows/preview.yml");
const deploy = load(".github/workflows/deploy.yml");
const rollbackWorkflow = load(".github/workflows/rollback.yml");
const packageJson = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
const setup = load(SETUP_FILE);

/** A step with where it is, so a failure names the file, the job and the step. */
interface LocatedStep {
  file: string;
  /** Undefined for a composite action's step. */
  job: string | undefined;
  index: number;
  step: Step;
  /** The path of the step in its file's YAML, to find its comments. */
  yamlPath: (string | number)[];
}

function describeStep({ file, job, index, step }: LocatedStep): string {
  const label = step.name ?? step.uses ?? step.run?.split("\n")[0] ?? "?";
  return `${file}${job === undefined ? "" : ` job ${job}`} step ${index + 1} (${label})`;
}

function jobsOf(file: string): [string, Yaml][] {
  return Object.entries(workflows.get(file)?.jobs ?? {}) as [string, Yaml][];
}

/** Every step of every workflow and of the composite action. */
function allSteps(): LocatedStep[] {
  const inWorkflows = WORKFLOW_FILES.flatMap((file) =>
    jobsOf(file).flatMap(([job, body]) => stepsOf(body).map((step, index) => ({ file, job, index, step, yamlPath: ["jobs", job, "steps", index] }))),
  );
  const inSetup = (setup.runs.steps as Step[]).map((step, index) => ({ file: SETUP_FILE, job: undefined, index, step, yamlPath: ["runs", "steps", index] }));
  return [...inWorkflows, ...inSetup];
}

/** A job logs in (to AWS for the state, to Vault) through the shared setup or the login actions themselves. */
function logsIn(job: Yaml): boolean {
  return stepsOf(job).some(
    (step) => step.uses === SETUP_ACTION || step.uses?.startsWith("hashicorp/vault-action@") || step.uses?.startsWith("aws-actions/configure-aws-credentials@"),
  );
}

/** A pulumi/actions step that runs a command (without one, the action only installs the CLI). */
function isPulumiCommand(step: Step): boolean {
  return step.uses?.startsWith("pulumi/actions@") === true && step.with?.command !== undefined;
}

/** A job's one pulumi/actions step that runs a command. */
function pulumiStep(job: Yaml): Step {
  const steps = stepsOf(job).filter(isPulumiCommand);
  assert.equal(steps.length, 1, "one pulumi/actions step that runs a command per job");
  return steps[0];
}

/** A job that deploys or previews a stack: it runs a pulumi/actions command. */
function runsPulumi(job: Yaml): boolean {
  return stepsOf(job).some(isPulumiCommand);
}

/** A job that signs with cosign keyless, whose certificate comes from the job's GitHub OIDC token. */
function signsKeyless(job: Yaml): boolean {
  return stepsOf(job).some((step) => step.uses?.startsWith("sigstore/cosign-installer@"));
}

/** The one job allowed to write packages: it pushes the service's image to GHCR. */
const IMAGE_PUBLISHER = { file: ".github/workflows/deploy.yml", job: "image" };

function setupStep(job: Yaml): Step {
  const step = stepsOf(job).find((candidate) => candidate.uses === SETUP_ACTION);
  assert.ok(step, "the job uses the shared setup");
  return step;
}

/** The setup the Pulumi jobs share: the local composite action must be used, after a checkout. */
function assertSharedSetup(job: Yaml): void {
  const uses = stepsOf(job).map((step) => step.uses);
  assert.ok(uses.indexOf(SETUP_ACTION) > uses.findIndex((action) => action?.startsWith("actions/checkout@")));
}

/** The DIY backend and the policy pack, as every Pulumi step must have them; no passphrase (Vault transit encrypts the state). */
function assertPulumiEssentials(step: Step): void {
  assert.equal(step.with?.["cloud-url"], "${{ vars.PULUMI_BACKEND_URL }}", "cloud-url is the repository variable, never a literal or a secret");
  assert.equal(step.env?.PULUMI_CONFIG_PASSPHRASE, undefined, "the state secrets are encrypted with Vault transit, not a passphrase");
  assert.equal(step.with?.policyPacks, "policy", "the step runs the repository's policy pack");
}

/** What every identity-holding job passes the shared setup: all of it from the job's GitHub environment, except the region. */
function assertEnvironmentScopedSetup(file: string, jobName: string, job: Yaml): void {
  const inputs = setupStep(job).with ?? {};
  const where = `${file} job ${jobName} (shared setup)`;
  assert.equal(inputs["aws-role-arn"], "${{ vars.PULUMI_STATE_ROLE_ARN }}", `${where}: the state role is the environment's variable`);
  assert.equal(inputs["aws-region"], "${{ vars.PULUMI_STATE_REGION }}", `${where}: the state region`);
  assert.equal(inputs.kubeconfig, "${{ secrets.KUBECONFIG }}", `${where}: the kubeconfig is the environment's secret`);
  assert.equal(inputs["vault-address"], "${{ vars.VAULT_ADDR }}", `${where}: the Vault address is the environment's variable`);
}

/** The stacks a job can act on: its matrix, a dispatch's choices, or the one its literal environment stands for. */
function stacksOf(workflow: Yaml, job: Yaml, kind: CiJob): CiEnvironment[] {
  if (job.strategy?.matrix?.stack) return job.strategy.matrix.stack as CiEnvironment[];
  if (String(job.environment).includes("inputs.stack")) return workflow.on.workflow_dispatch.inputs.stack.options as CiEnvironment[];
  return CI_ENVIRONMENTS.filter((environment) => githubEnvironment(environment, kind) === job.environment);
}

/** A value with the job's stack expression (`${{ matrix.stack }}`, `${{ inputs.stack }}`) replaced by one stack. */
function forStack(value: unknown, stack: string): string {
  return String(value).replace(/\$\{\{ (matrix|inputs)\.stack \}\}/g, stack);
}

/** Every `secrets.NAME` (and any `secrets[...]`, which hands the job every secret) in a piece of a workflow. */
function secretsIn(value: unknown): string[] {
  const text = JSON.stringify(value ?? null);
  return [...text.matchAll(/secrets\s*(?:\.\s*(\w+)|(\[))/g)].map((match) => match[1] ?? "[dynamic index]");
}

/** The files of the repository, relative to its root, without dependencies, build output or version control. */
function repositoryFiles(): string[] {
  const skip = new Set(["node_modules", ".git", "dist", "rendered", ".cache", ".pulumi-state", ".cluster", "__pycache__", ".ab"]);
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const relative = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(relative);
      else if (entry.isFile()) found.push(relative);
    }
  };
  walk("");
  return found.sort();
}

describe("GitHub workflows", () => {
  describe("ci.yml", () => {
    it("runs on pull requests and on pushes to main, its job with read-only contents permission", () => {
      assert.deepEqual(Object.keys(ci.on).sort(), ["pull_request", "push"]);
      assert.deepEqual(ci.on.push.branches, ["main"]);
      assert.deepEqual(ci.jobs.check.permissions, { contents: "read" });
    });
    it("checks out the whole history (the aliases test reads it) without keeping the token", () => {
      const checkout = stepsOf(ci.jobs.check).find((step) => step.uses?.startsWith("actions/checkout@"));
      assert.equal(checkout?.with?.["fetch-depth"], 0);
      assert.equal(checkout?.with?.["persist-credentials"], false);
    });
    it("uses Node 24 and runs npm ci, typecheck, lint, tests and npm audit, in that order", () => {
      const steps = stepsOf(ci.jobs.check);
      assert.equal(steps.find((step) => step.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"], 24);
      const commands = steps.flatMap((step) => (step.run ? [step.run] : []));
      const order = ["npm ci", "npm run typecheck", "npm run lint", "npm test", "npm audit"].map((command) => commands.findIndex((run) => run.startsWith(command)));
      assert.ok(order.every((index) => index >= 0), `missing a command: ${JSON.stringify(commands)}`);
      assert.deepEqual([...order].sort((a, b) => a - b), order);
      assert.ok(commands.some((run) => run.startsWith("npm audit") && run.includes("--prefix app")), "the app's dependencies are audited too");
    });
    it("installs what npm test builds and runs (Go, Python), caches the Go and npm caches, and allows a cold run", () => {
      const steps = stepsOf(ci.jobs.check);
      const uses = (prefix: string) => steps.find((step) => step.uses?.startsWith(prefix));
      assert.ok(uses("actions/setup-go@"), "setup-go");
      assert.ok(uses("actions/setup-python@"), "setup-python (checkov, zizmor)");
      // vrl-runner's Rust: the version its Cargo.toml requires, made the default before npm test builds it.
      const rustVersion = /^rust-version = "([\d.]+)"$/m.exec(read("toolchain/vrl/Cargo.toml"))?.[1];
      const rust = steps.findIndex((step) => step.run?.startsWith(`rustup toolchain install ${rustVersion}.0 `) && step.run.includes(`rustup default ${rustVersion}.0`));
      assert.ok(rustVersion !== undefined && rust >= 0 && rust < steps.findIndex((step) => step.run === "npm test"), `rustup installs Rust ${rustVersion} before npm test`);
      assert.equal(uses("actions/setup-node@")?.with?.cache, "npm");
      assert.equal(uses("actions/cache@")?.with?.path, "~/.cache/production-blueprint", "the Go module and build caches and the built tools");
      assert.ok(ci.jobs.check["timeout-minutes"] >= 60, "a cold npm test takes about 60 minutes");
    });
    it("npm test lints these workflows with actionlint and zizmor (offline, with the committed config)", () => {
      assert.match(packageJson.scripts.test, /npm run lint:workflows/);
      assert.match(packageJson.scripts["lint:workflows"], /scripts\/lint-workflows\.sh/);
      const script = read("scripts/lint-workflows.sh");
      assert.match(script, /install-actionlint\.sh/);
      assert.match(script, /install-zizmor\.sh/);
      assert.match(script, /"\$ZIZMOR" --offline .*--config \.github\/zizmor\.yml \.github\/$/m);
      assert.match(read("toolchain/test-tools/install-zizmor.sh"), /^ZIZMOR_VERSION="1\.32\.0"$/m);
    });
  });

  describe("preview.yml", () => {
    it("runs on pull requests only, and only its job may write the PR comment", () => {
      assert.deepEqual(Object.keys(preview.on), ["pull_request"]);
      assert.deepEqual(preview.jobs.preview.permissions, { contents: "read", "pull-requests": "write", "id-token": "write" });
    });
    it("previews staging and production, each a committed stack file, each in its own preview environment", () => {
      const stacks: string[] = preview.jobs.preview.strategy.matrix.stack;
      assert.deepEqual(stacks, [...CI_ENVIRONMENTS]);
      for (const stack of stacks) assert.ok(fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`)), stack);
      assert.equal(preview.jobs.preview.strategy["fail-fast"], false);
      for (const stack of CI_ENVIRONMENTS) assert.equal(forStack(preview.jobs.preview.environment, stack), githubEnvironment(stack, "preview"));
    });
    it("never runs for a fork's pull request, and takes its state role, kubeconfig and Vault address from the preview environment", () => {
      const job = preview.jobs.preview;
      assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
      assertEnvironmentScopedSetup(".github/workflows/preview.yml", "preview", job);
    });
    it("runs pulumi preview for the matrix stack with the policy pack, the DIY backend and a PR comment, without a refresh", () => {
      const step = pulumiStep(preview.jobs.preview);
      assert.equal(step.with?.command, "preview");
      assert.equal(step.with?.["stack-name"], "${{ matrix.stack }}");
      assert.equal(step.with?.["comment-on-pr"], true);
      assert.equal(step.with?.refresh, false, "the preview identity cannot read what a refresh reads; the deploy's refresh finds drift");
      assertPulumiEssentials(step);
      assertSharedSetup(preview.jobs.preview);
    });
  });

  describe("deploy.yml", () => {
    it("runs only after ci passed on a push to main of this repository, on exactly the commit ci tested", () => {
      assert.deepEqual(Object.keys(deploy.on), ["workflow_run"]);
      assert.deepEqual(deploy.on.workflow_run, { workflows: ["ci"], types: ["completed"], branches: ["main"] });
      for (const job of Object.values(deploy.jobs) as Yaml[]) {
        assert.equal(stepsOf(job).find((step) => step.uses?.startsWith("actions/checkout@"))?.with?.ref, "${{ github.event.workflow_run.head_sha }}");
        if (runsPulumi(job)) assert.equal(pulumiStep(job).with?.refresh, true);
      }
      assert.deepEqual(
        jobsOf(".github/workflows/deploy.yml")
          .filter(([, job]) => runsPulumi(job))
          .map(([name]) => name),
        ["staging", "production"],
      );
    });
    it("guards every job: CI succeeded, on a push, from this repository, on main", () => {
      const required = [
        "github.event.workflow_run.conclusion == 'success'",
        "github.event.workflow_run.event == 'push'",
        "github.event.workflow_run.head_repository.full_name == github.repository",
        "github.event.workflow_run.head_branch == 'main'",
      ];
      for (const [name, job] of jobsOf(".github/workflows/deploy.yml")) {
        const clauses = String(job.if ?? "")
          .split("&&")
          .map((clause) => clause.replace(/\s+/g, " ").trim());
        for (const clause of required) assert.ok(clauses.includes(clause), `.github/workflows/deploy.yml job ${name}: its if: lacks \`${clause}\` (has: ${JSON.stringify(job.if)})`);
      }
    });
    it("takes the state role, kubeconfig and Vault address from each deploy job's environment", () => {
      for (const [name, job] of jobsOf(".github/workflows/deploy.yml")) {
        if (runsPulumi(job)) assertEnvironmentScopedSetup(".github/workflows/deploy.yml", name, job);
      }
    });
    it("never runs two deploys at once and never cancels one halfway", () => {
      assert.equal(deploy.concurrency.group, "deploy");
      assert.equal(deploy.concurrency["cancel-in-progress"], false);
      // The image job changes no stack: the workflow's group alone keeps it in order.
      for (const job of Object.values(deploy.jobs) as Yaml[]) if (runsPulumi(job)) assert.equal(job.concurrency?.["cancel-in-progress"], false);
    });
    it("updates staging first, then production behind the 'production' environment's reviewers", () => {
      const { staging, production } = deploy.jobs;
      assert.deepEqual([pulumiStep(staging).with?.command, pulumiStep(staging).with?.["stack-name"]], ["up", "staging"]);
      assert.deepEqual([pulumiStep(production).with?.command, pulumiStep(production).with?.["stack-name"]], ["up", "production"]);
      assert.deepEqual(production.needs, ["image", "staging"]);
      assert.equal(staging.environment, githubEnvironment("staging", "deploy"));
      assert.equal(production.environment, githubEnvironment("production", "deploy"));
      for (const job of [staging, production]) {
        assertPulumiEssentials(pulumiStep(job));
        assertSharedSetup(job);
      }
    });
  });

  describe("rollback.yml", () => {
    it("is started by hand and runs npm run rollback in the chosen stack's environment (production waits for its reviewers)", () => {
      assert.deepEqual(Object.keys(rollbackWorkflow.on), ["workflow_dispatch"]);
      assert.deepEqual(rollbackWorkflow.on.workflow_dispatch.inputs.stack.options, [...CI_ENVIRONMENTS]);
      const job = rollbackWorkflow.jobs.rollback;
      assert.equal(job.environment, "${{ inputs.stack }}");
      assert.equal(rollbackWorkflow.concurrency.group, "deploy", "never alongside a deploy");
      const step = stepsOf(job).find((candidate) => candidate.run?.startsWith("npm run rollback -- --stack"));
      assert.ok(step);
      assert.equal(step.env?.PULUMI_BACKEND_URL, "${{ vars.PULUMI_BACKEND_URL }}");
      assertSharedSetup(job);
    });
    it("runs only when dispatched from main (the deploy roles bind this file on main)", () => {
      assert.equal(rollbackWorkflow.jobs.rollback.if, "github.ref == 'refs/heads/main'", ".github/workflows/rollback.yml job rollback: if: must be github.ref == 'refs/heads/main'");
    });
    it("takes the state role, kubeconfig and Vault address from the stack's environment", () => {
      assertEnvironmentScopedSetup(".github/workflows/rollback.yml", "rollback", rollbackWorkflow.jobs.rollback);
    });
  });

  describe("shared setup (.github/actions/pulumi-setup)", () => {
    const steps = setup.runs.steps as Step[];
    it("uses Node 24 and npm ci (which installs the policy pack's modules)", () => {
      assert.equal(steps.find((step) => step.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"], 24);
      assert.ok(steps.some((step) => step.run?.startsWith("npm ci")));
      assert.ok(fs.existsSync(path.join(ROOT, "policy", "PulumiPolicy.yaml")), "policyPacks: policy points at a policy pack");
    });
    it("takes exactly the inputs of the design: no stored Vault token", () => {
      assert.deepEqual(Object.keys(setup.inputs).sort(), ["aws-region", "aws-role-arn", "kubeconfig", "vault-address", "vault-audience", "vault-role"]);
    });
    it("logs in to Vault with GitHub's OIDC token on the JWT mount, for the job's role and audience, and exports the token", () => {
      const login = steps.filter((step) => step.uses?.startsWith("hashicorp/vault-action@"));
      assert.equal(login.length, 1);
      assert.equal(login[0].if, undefined, "the login always runs");
      assert.deepEqual(login[0].with, {
        url: "${{ inputs.vault-address }}",
        method: "jwt",
        path: JWT_AUTH_MOUNT,
        role: "${{ inputs.vault-role }}",
        jwtGithubAudience: "${{ inputs.vault-audience }}",
        exportToken: true,
      });
    });
    it("exports VAULT_ADDR, and writes the kubeconfig to a 0600 file under RUNNER_TEMP, all through env: (no expression in the script)", () => {
      const step = steps.find((candidate) => candidate.run?.includes("VAULT_ADDR="));
      assert.ok(step, "a step exports VAULT_ADDR");
      assert.equal(step.env?.VAULT_ADDRESS, "${{ inputs.vault-address }}");
      assert.match(step.run ?? "", /^echo "VAULT_ADDR=\$VAULT_ADDRESS" >> "\$GITHUB_ENV"$/m);
      const kubeconfig = steps.find((candidate) => candidate.run?.includes("KUBECONFIG="));
      assert.ok(kubeconfig);
      assert.equal(kubeconfig.env?.KUBECONFIG_CONTENT, "${{ inputs.kubeconfig }}");
      assert.match(kubeconfig.run ?? "", /install -m 600 \/dev\/null "\$RUNNER_TEMP\/kubeconfig"/);
      assert.match(kubeconfig.run ?? "", /^echo "KUBECONFIG=\$RUNNER_TEMP\/kubeconfig" >> "\$GITHUB_ENV"$/m);
    });
    it("restores no cache: deploy and rollback run it with write credentials (cache poisoning)", () => {
      const node = steps.find((step) => step.uses?.startsWith("actions/setup-node@"));
      assert.equal(node?.with?.cache, undefined);
      assert.equal(node?.with?.["package-manager-cache"], false);
      assert.ok(!steps.some((step) => step.uses?.startsWith("actions/cache@")));
    });
  });

  describe("hardening (every workflow and the composite action)", () => {
    it("pins every action to a full commit SHA with its release in a trailing comment, the same pin everywhere", () => {
      const pins = new Map<string, { pin: string; where: string }>();
      const documents = new Map<string, ReturnType<typeof parseDocument>>();
      let checked = 0;
      for (const located of allSteps()) {
        const uses = located.step.uses;
        if (uses === undefined || uses.startsWith("./")) continue; // a local action is the checked-out commit itself
        const where = describeStep(located);
        assert.match(uses, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${where}: \`${uses}\` is not pinned to a full 40-hex commit SHA`);
        if (!documents.has(located.file)) documents.set(located.file, parseDocument(read(located.file)));
        const node = documents.get(located.file)?.getIn([...located.yamlPath, "uses"], true);
        const comment = isScalar(node) ? node.comment?.trim() : undefined;
        assert.match(comment ?? "", /^v\d+\.\d+\.\d+$/, `${where}: \`${uses}\` lacks its release as a trailing comment (\`# vX.Y.Z\`), got ${JSON.stringify(comment)}`);
        const action = uses.split("@")[0];
        const pin = `${uses} # ${comment}`;
        const earlier = pins.get(action);
        assert.ok(earlier === undefined || earlier.pin === pin, `${where}: \`${pin}\` differs from \`${earlier?.pin}\` in ${earlier?.where}`);
        pins.set(action, { pin, where });
        checked += 1;
      }
      assert.ok(checked >= 8, "the workflows use third-party actions");
    });
    it("declares no permission at workflow level (`permissions: {}`)", () => {
      for (const [file, workflow] of workflows) {
        assert.deepEqual(workflow.permissions, {}, `${file}: workflow-level permissions must be {} (each job declares its own), got ${JSON.stringify(workflow.permissions)}`);
      }
    });
    it("gives each job exactly what it needs: contents: read; id-token: write only where it logs in or signs; pull-requests: write only to the preview; packages: write only to the image's publisher", () => {
      for (const file of WORKFLOW_FILES) {
        for (const [name, job] of jobsOf(file)) {
          const where = `${file} job ${name}`;
          assert.ok(job.permissions !== undefined, `${where}: declares no permissions`);
          if (job.permissions["id-token"] !== undefined) {
            assert.ok(
              logsIn(job) || signsKeyless(job),
              `${where}: has id-token: ${job.permissions["id-token"]} but neither logs in (no ${SETUP_ACTION}, Vault or AWS login step) nor signs with cosign`,
            );
          }
          const expected: Record<string, string> = { contents: "read" };
          if (logsIn(job) || signsKeyless(job)) expected["id-token"] = "write";
          if (file === ".github/workflows/preview.yml" && name === "preview") expected["pull-requests"] = "write";
          if (file === IMAGE_PUBLISHER.file && name === IMAGE_PUBLISHER.job) expected.packages = "write";
          assert.deepEqual(job.permissions, expected, `${where}: permissions`);
        }
      }
    });
    it("checks out without persisting the token (persist-credentials: false)", () => {
      const checkouts = allSteps().filter(({ step }) => step.uses?.startsWith("actions/checkout@"));
      assert.ok(checkouts.length >= 5);
      for (const located of checkouts) assert.equal(located.step.with?.["persist-credentials"], false, `${describeStep(located)}: checkout without persist-credentials: false`);
    });
    it("logs every identity-holding job in to the Vault role, audience and environment of ci-identity/names.ts", () => {
      // A workflow logs in only through the shared setup, so every login is one this test can check.
      for (const located of allSteps().filter(({ file }) => file !== SETUP_FILE)) {
        const uses = located.step.uses ?? "";
        assert.ok(!/^(hashicorp\/vault-action|aws-actions\/configure-aws-credentials)@/.test(uses), `${describeStep(located)}: logs in directly; use ${SETUP_ACTION}`);
      }
      const holders = new Map<string, CiJob>(CI_JOBS.flatMap((kind) => CI_WORKFLOWS[kind].map((file) => [file, kind] as const)));
      for (const file of WORKFLOW_FILES) {
        const workflow = workflows.get(file) as Yaml;
        const kind = holders.get(file);
        const covered = new Set<string>();
        for (const [name, job] of jobsOf(file)) {
          if (!stepsOf(job).some((step) => step.uses === SETUP_ACTION)) continue;
          const where = `${file} job ${name}`;
          assert.ok(kind, `${where}: logs in, but ${file} is in no CI_WORKFLOWS list of ci-identity/names.ts`);
          const inputs = setupStep(job).with ?? {};
          const stacks = stacksOf(workflow, job, kind);
          assert.ok(stacks.length > 0, `${where}: environment ${JSON.stringify(job.environment)} is no ${kind} environment of ci-identity/names.ts`);
          for (const stack of stacks) {
            assert.ok((CI_ENVIRONMENTS as readonly string[]).includes(stack), `${where}: ${stack} is no CI environment`);
            const expectSame = (what: string, actual: unknown, expected: string): void =>
              assert.equal(forStack(actual, stack), expected, `${where} (stack ${stack}): ${what} is ${JSON.stringify(forStack(actual, stack))}, ci-identity/names.ts says ${JSON.stringify(expected)}`);
            expectSame("environment", job.environment, githubEnvironment(stack, kind));
            expectSame("Vault role (shared setup's vault-role)", inputs["vault-role"], ciRoleName(stack, kind));
            expectSame("Vault audience (shared setup's vault-audience)", inputs["vault-audience"], ciAudience(stack, kind));
            // rollback.yml's pulumi/actions only installs the CLI; a job that runs a command names its stack.
            if (runsPulumi(job)) expectSame("pulumi/actions stack-name", pulumiStep(job).with?.["stack-name"], stack);
            covered.add(stack);
          }
        }
        if (kind) assert.deepEqual([...covered].sort(), [...CI_ENVIRONMENTS].sort(), `${file}: the environments its jobs log in for`);
      }
    });
    it("uses no secret but GITHUB_TOKEN outside a job with an environment, and never the whole secrets context", () => {
      for (const [file, workflow] of workflows) {
        const { jobs, ...rest } = workflow;
        for (const secret of secretsIn(rest)) assert.equal(secret, "GITHUB_TOKEN", `${file} (outside its jobs): secrets.${secret}`);
        for (const [name, job] of Object.entries(jobs as Yaml) as [string, Yaml][]) {
          const { steps, ...jobRest } = job;
          const places: [string, unknown][] = [
            [`${file} job ${name}`, jobRest],
            ...stepsOf({ steps }).map((step, index): [string, unknown] => [describeStep({ file, job: name, index, step, yamlPath: [] }), step]),
          ];
          for (const [where, value] of places) {
            for (const secret of secretsIn(value)) {
              assert.notEqual(secret, "[dynamic index]", `${where}: secrets[...] hands the job every secret; name the one it needs`);
              if (job.environment === undefined) assert.equal(secret, "GITHUB_TOKEN", `${where}: secrets.${secret} in a job without an environment (only GITHUB_TOKEN may be used there)`);
            }
          }
        }
      }
      assert.deepEqual(secretsIn(setup), [], `${SETUP_FILE}: a composite action gets its secrets as inputs`);
    });
    it("expands no expression inside a run: script (template injection): values go through env:", () => {
      for (const located of allSteps()) {
        if (located.step.run !== undefined) assert.ok(!located.step.run.includes("${{"), `${describeStep(located)}: \${{ … }} inside run:`);
      }
    });
    it("mentions neither PULUMI_CONFIG_PASSPHRASE nor a fallback Vault token anywhere under .github", () => {
      const files = repositoryFiles().filter((file) => file.startsWith(".github/"));
      assert.ok(files.length >= 8);
      for (const file of files) {
        read(file)
          .split("\n")
          .forEach((line, index) => {
            const found = /PULUMI_CONFIG_PASSPHRASE|VAULT_TOKEN_FALLBACK|vault-token-fallback/i.exec(line);
            assert.equal(found, null, `${file}:${index + 1}: ${found?.[0]} (state secrets are Vault transit; the Vault token comes from OIDC only)`);
          });
      }
    });
  });

  describe("dependabot.yml", () => {
    const dependabot = load(".github/dependabot.yml");
    const updates = dependabot.updates as Yaml[];
    const directoriesOf = (ecosystem: string): string[] =>
      updates.filter((update) => update["package-ecosystem"] === ecosystem).flatMap((update) => [...(update.directories ?? []), ...(update.directory ? [update.directory] : [])]);
    it("updates the actions of the workflows and of every composite action, and every npm lockfile", () => {
      const files = repositoryFiles();
      const actionDirectories = files.filter((file) => /^\.github\/actions\/.+\/action\.ya?ml$/.test(file)).map((file) => `/${path.posix.dirname(file)}`);
      const npmDirectories = files.filter((file) => path.posix.basename(file) === "package-lock.json").map((file) => (path.posix.dirname(file) === "." ? "/" : `/${path.posix.dirname(file)}`));
      assert.ok(npmDirectories.length >= 3);
      const required: [string, string][] = [
        ["github-actions", "/"],
        ...actionDirectories.map((directory): [string, string] => ["github-actions", directory]),
        ...npmDirectories.map((directory): [string, string] => ["npm", directory]),
      ];
      for (const [ecosystem, directory] of required) {
        assert.ok(directoriesOf(ecosystem).includes(directory), `.github/dependabot.yml: no ${ecosystem} update for ${directory}`);
      }
    });
    it("runs weekly, grouped, after a week's cooldown", () => {
      assert.equal(dependabot.version, 2);
      for (const update of updates) {
        const where = `.github/dependabot.yml ${update["package-ecosystem"]}`;
        assert.equal(update.schedule?.interval, "weekly", where);
        assert.ok(Object.keys(update.groups ?? {}).length > 0, `${where}: not grouped`);
        assert.ok(update.cooldown?.["default-days"] >= 7, `${where}: cooldown`);
      }
    });
  });

  describe("CODEOWNERS", () => {
    const TEAM = "@production-blueprint/platform-owners";
    /** The rules, in file order. Only anchored paths (`/dir/`, `/file`), so the matcher below is exact. */
    const rules = read(".github/CODEOWNERS")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => {
        const [pattern, ...owners] = line.split(/\s+/);
        assert.match(pattern, /^\/[^*?[\]!]*$/, `.github/CODEOWNERS: ${pattern} is not an anchored path without wildcards`);
        return { pattern, owners };
      });
    /** GitHub applies the last matching rule. */
    function ownersOf(file: string): string[] | undefined {
      const target = `/${file}`;
      const matching = rules.filter(({ pattern }) => (pattern.endsWith("/") ? target.startsWith(pattern) : target === pattern));
      return matching.at(-1)?.owners;
    }
    it("gives the platform owners every sensitive path: CI, policy, production, CI identities, toolchain, exemptions, the release gates' waivers and lockfiles", () => {
      const files = repositoryFiles();
      const exemptions = files.filter((file) => /exemption/i.test(path.posix.basename(file)) && !file.startsWith("test/"));
      assert.ok(exemptions.includes("components/k8s/lintExemptions.ts") && exemptions.includes("docs/exemptions.md"), JSON.stringify(exemptions));
      const lockfiles = files.filter((file) => /^(package-lock\.json|go\.sum|requirements\.txt|.*-constraints\.txt)$/.test(path.posix.basename(file)));
      const sensitive = [
        ".github/CODEOWNERS",
        ...files.filter((file) => file.startsWith(".github/") || file.startsWith("policy/") || file.startsWith("ci-identity/") || file.startsWith("toolchain/")),
        "Pulumi.production.yaml",
        "scripts/kube-linter.yaml",
        "scripts/lint-workflows.sh",
        // The release gates' waivers: what a secret finding, a licence or a Dockerfile check may be waived with.
        ".gitleaks.toml",
        ".gitleaksignore",
        "scripts/scan-secrets.tree.toml",
        "scripts/licenses.json",
        "app/Dockerfile",
        ...exemptions,
        ...lockfiles,
      ];
      for (const file of sensitive) assert.ok(ownersOf(file)?.includes(TEAM), `.github/CODEOWNERS: /${file} is not owned by ${TEAM}`);
      for (const directory of ["/.github/", "/policy/", "/ci-identity/", "/toolchain/"]) {
        assert.ok(rules.some(({ pattern, owners }) => pattern === directory && owners.includes(TEAM)), `.github/CODEOWNERS: no rule for ${directory}`);
      }
    });
  });
});
