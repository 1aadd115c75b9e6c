import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "..", "..", "..");

type Yaml = Record<string, any>;
interface Step {
  uses?: string;
  run?: string;
  with?: Yaml;
  env?: Record<string, string>;
}

function load(file: string): Yaml {
  return parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as Yaml;
}

const ci = load(".github/workflows/ci.yml");
const preview = load(".github/workflows/preview.yml");
const deploy = load(".github/workflows/deploy.yml");
const rollbackWorkflow = load(".github/workflows/rollback.yml");
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
const setup = load(".github/actions/pulumi-setup/action.yml");

function stepsOf(job: Yaml): Step[] {
  return job.steps as Step[];
}

function pulumiStep(job: Yaml): Step {
  const steps = stepsOf(job).filter((step) => step.uses?.startsWith("pulumi/actions@"));
  assert.equal(steps.length, 1, "one pulumi/actions step per job");
  return steps[0];
}

/** The setup the Pulumi jobs share: the local composite action must be used, after a checkout. */
function assertSharedSetup(job: Yaml): void {
  const uses = stepsOf(job).map((step) => step.uses);
  assert.ok(uses.indexOf("./.github/actions/pulumi-setup") > uses.findIndex((action) => action?.startsWith("actions/checkout@")));
}

/** The DIY backend, the passphrase and the policy pack, as every Pulumi step must have them. */
function assertPulumiEssentials(step: Step): void {
  assert.match(step.with?.["cloud-url"], /^\$\{\{ (vars|secrets)\.PULUMI_BACKEND_URL \}\}$/, "cloud-url comes from a variable or secret, never a literal");
  assert.equal(step.env?.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
  assert.equal(step.with?.policyPacks, "policy", "the step runs the repository's policy pack");
}

describe("GitHub workflows", () => {
  describe("ci.yml", () => {
    it("runs on pull requests and on pushes to main, with read-only contents permission", () => {
      assert.deepEqual(Object.keys(ci.on).sort(), ["pull_request", "push"]);
      assert.deepEqual(ci.on.push.branches, ["main"]);
      assert.deepEqual(ci.permissions, { contents: "read" });
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
      assert.ok(uses("actions/setup-python@"), "setup-python (checkov)");
      assert.equal(uses("actions/setup-node@")?.with?.cache, "npm");
      assert.equal(uses("actions/cache@")?.with?.path, "~/.cache/production-blueprint", "the Go module and build caches and the built tools");
      assert.ok(ci.jobs.check["timeout-minutes"] >= 60, "a cold npm test takes about 60 minutes");
    });
    it("npm test lints these workflows with actionlint", () => {
      assert.match(packageJson.scripts.test, /npm run lint:workflows/);
      assert.match(packageJson.scripts["lint:workflows"], /scripts\/lint-workflows\.sh/);
    });
  });

  describe("preview.yml", () => {
    it("runs on pull requests only, and may write the PR comment", () => {
      assert.deepEqual(Object.keys(preview.on), ["pull_request"]);
      assert.equal(preview.permissions["pull-requests"], "write");
      assert.equal(preview.permissions.contents, "read");
    });
    it("previews staging and production, each a committed stack file", () => {
      const stacks: string[] = preview.jobs.preview.strategy.matrix.stack;
      assert.deepEqual(stacks, ["staging", "production"]);
      for (const stack of stacks) assert.ok(fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`)), stack);
      assert.equal(preview.jobs.preview.strategy["fail-fast"], false);
    });
    it("never runs for a fork's pull request, and uses read-only state, cluster and Vault credentials", () => {
      const job = preview.jobs.preview;
      assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
      const setupStep = stepsOf(job).find((step) => step.uses === "./.github/actions/pulumi-setup");
      assert.equal(setupStep?.with?.["aws-role-arn"], "${{ vars.PULUMI_STATE_PREVIEW_ROLE_ARN }}");
      assert.equal(setupStep?.with?.kubeconfig, "${{ secrets[format('KUBECONFIG_{0}_READONLY', matrix.stack)] }}");
      assert.equal(setupStep?.with?.["vault-role"], "pulumi-preview");
      assert.equal(setupStep?.with?.["vault-token-fallback"], undefined, "no stored Vault token for previews");
    });
    it("runs pulumi preview for the matrix stack with the policy pack, the DIY backend and a PR comment", () => {
      const step = pulumiStep(preview.jobs.preview);
      assert.equal(step.with?.command, "preview");
      assert.equal(step.with?.["stack-name"], "${{ matrix.stack }}");
      assert.equal(step.with?.["comment-on-pr"], true);
      assertPulumiEssentials(step);
      assertSharedSetup(preview.jobs.preview);
    });
  });

  describe("deploy.yml", () => {
    it("runs only after ci passed on a push to main, on exactly the commit ci tested", () => {
      assert.deepEqual(Object.keys(deploy.on), ["workflow_run"]);
      assert.deepEqual(deploy.on.workflow_run, { workflows: ["ci"], types: ["completed"], branches: ["main"] });
      assert.equal(deploy.jobs.staging.if, "github.event.workflow_run.conclusion == 'success' && github.event.workflow_run.event == 'push'");
      for (const job of Object.values(deploy.jobs) as Yaml[]) {
        assert.equal(stepsOf(job).find((step) => step.uses?.startsWith("actions/checkout@"))?.with?.ref, "${{ github.event.workflow_run.head_sha }}");
        assert.equal(pulumiStep(job).with?.refresh, true);
      }
    });
    it("authenticates to Vault through OIDC with a write role per environment, and the deployer's Vault address", () => {
      for (const stack of ["staging", "production"] as const) {
        const setupStep = stepsOf(deploy.jobs[stack]).find((step) => step.uses === "./.github/actions/pulumi-setup");
        assert.equal(setupStep?.with?.["vault-role"], `pulumi-deploy-${stack}`);
        assert.equal(setupStep?.with?.["vault-address"], `\${{ vars.VAULT_ADDR_${stack.toUpperCase()} }}`);
      }
      const oidc = (setup.runs.steps as Step[]).find((step) => step.uses?.startsWith("hashicorp/vault-action@"));
      assert.equal(oidc?.with?.method, "jwt");
      assert.equal(oidc?.with?.exportToken, true);
    });
    it("never runs two deploys at once and never cancels one halfway", () => {
      assert.equal(deploy.concurrency.group, "deploy");
      assert.equal(deploy.concurrency["cancel-in-progress"], false);
      for (const job of Object.values(deploy.jobs) as Yaml[]) assert.equal(job.concurrency?.["cancel-in-progress"], false);
    });
    it("updates staging first, then production behind the 'production' environment's reviewers", () => {
      const { staging, production } = deploy.jobs;
      assert.deepEqual([pulumiStep(staging).with?.command, pulumiStep(staging).with?.["stack-name"]], ["up", "staging"]);
      assert.deepEqual([pulumiStep(production).with?.command, pulumiStep(production).with?.["stack-name"]], ["up", "production"]);
      assert.equal(production.needs, "staging");
      assert.equal(production.environment, "production");
      for (const job of [staging, production]) {
        assertPulumiEssentials(pulumiStep(job));
        assertSharedSetup(job);
      }
    });
    it("gives each environment its own cluster credentials", () => {
      const kubeconfig = (job: Yaml) => stepsOf(job).find((step) => step.uses === "./.github/actions/pulumi-setup")?.with?.kubeconfig;
      assert.equal(kubeconfig(deploy.jobs.staging), "${{ secrets.KUBECONFIG_STAGING }}");
      assert.equal(kubeconfig(deploy.jobs.production), "${{ secrets.KUBECONFIG_PRODUCTION }}");
    });
  });

  describe("rollback.yml", () => {
    it("is started by hand and runs npm run rollback in the chosen stack's environment (production waits for its reviewers)", () => {
      assert.deepEqual(Object.keys(rollbackWorkflow.on), ["workflow_dispatch"]);
      assert.deepEqual(rollbackWorkflow.on.workflow_dispatch.inputs.stack.options, ["staging", "production"]);
      const job = rollbackWorkflow.jobs.rollback;
      assert.equal(job.environment, "${{ inputs.stack }}");
      assert.equal(rollbackWorkflow.concurrency.group, "deploy", "never alongside a deploy");
      assert.ok(stepsOf(job).some((step) => step.run?.startsWith("npm run rollback -- --stack")));
      assertSharedSetup(job);
    });
  });

  describe("shared setup and pinning", () => {
    it("the Pulumi jobs' setup uses Node 24 and npm ci (which installs the policy pack's modules)", () => {
      const steps = setup.runs.steps as Step[];
      assert.equal(steps.find((step) => step.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"], 24);
      assert.ok(steps.some((step) => step.run?.startsWith("npm ci")));
      assert.ok(fs.existsSync(path.join(ROOT, "policy", "PulumiPolicy.yaml")), "policyPacks: policy points at a policy pack");
    });
    it("pins every third-party action to a version", () => {
      const all = [ci, preview, deploy, rollbackWorkflow].flatMap((workflow) => Object.values(workflow.jobs as Yaml).flatMap((job) => stepsOf(job as Yaml)));
      const uses = [...all, ...(setup.runs.steps as Step[])].flatMap((step) => (step.uses && !step.uses.startsWith("./") ? [step.uses] : []));
      assert.ok(uses.length >= 8);
      for (const action of uses) assert.match(action, /^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, action);
    });
  });
});
