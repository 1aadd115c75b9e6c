import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { load, read, ROOT, stepsOf, type Step, type Yaml } from "./support/workflowFiles";

const CI_FILE = ".github/workflows/ci.yml";
const DEPLOY_FILE = ".github/workflows/deploy.yml";
const TRIVY_CONFIG = ".github/trivy/trivy.yaml";
const DOCKERFILE = "app/Dockerfile";
const DOCKER_CONTEXT = "app";
/** The stacks the deploy jobs update, each with its committed Pulumi.<stack>.yaml. */
const DEPLOYED_STACKS = ["staging", "production"];
/** The longest an accepted finding may stay accepted before someone looks at it again. */
const MAX_IGNORE_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

const ci = load(CI_FILE);
const deploy = load(DEPLOY_FILE);
const trivyConfig = load(TRIVY_CONFIG);

interface Located {
  index: number;
  step: Step;
}

/** The steps of a job that use an action, by its owner/name. */
function usesOf(job: Yaml, action: string): Located[] {
  return stepsOf(job)
    .map((step, index) => ({ index, step }))
    .filter(({ step }) => step.uses?.split("@")[0] === action);
}

/** The one step of a job whose script matches, with its position. */
function runStep(job: Yaml, pattern: RegExp, what: string): Located {
  const found = stepsOf(job)
    .map((step, index) => ({ index, step }))
    .filter(({ step }) => step.run !== undefined && pattern.test(step.run));
  assert.equal(found.length, 1, `${what}: expected one step whose run: matches ${pattern}, found ${found.length}`);
  return found[0];
}

/** `${{ steps.<id>.outputs.<name> }}` → [id, name]. */
function stepOutput(expression: string | undefined, where: string): [string, string] {
  const match = /^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(expression ?? "");
  assert.ok(match, `${where}: expected a step's output, got ${JSON.stringify(expression)}`);
  return [match[1], match[2]];
}

/** What a step writes to `$GITHUB_OUTPUT` under a name: the shell text after `name=`. */
function writtenOutput(step: Step, name: string): string {
  const match = new RegExp(`^echo "${name}=(.+)" >> "\\$GITHUB_OUTPUT"$`, "m").exec(step.run ?? "");
  assert.ok(match, `step ${step.id}: writes no output ${name}`);
  return match[1];
}

/** The Trivy scan step of an image job: `trivy image --config <file> "$IMAGE"` and nothing that overrides the file. */
function scanStep(file: string, job: Yaml): Located & { config: string } {
  const scan = runStep(job, /^trivy image --config /, `${file} image job (Trivy scan)`);
  const match = /^trivy image --config (\S+) "\$IMAGE"$/.exec((scan.step.run ?? "").trim());
  assert.ok(match, `${file}: the scan is one command, \`trivy image --config <file> "$IMAGE"\`, got ${JSON.stringify(scan.step.run)}`);
  const overriding = [scan.step.env, job.env, load(file).env].flatMap((env) => Object.keys(env ?? {})).filter((name) => name.startsWith("TRIVY_"));
  assert.deepEqual(overriding, [], `${file}: TRIVY_* variables would override ${match[1]}`);
  assert.equal(scan.step.if, undefined, `${file}: the scan always runs`);
  assert.equal((scan.step as Yaml)["continue-on-error"], undefined, `${file}: a failing scan must fail the job`);
  return { ...scan, config: match[1] };
}

/** An image job's build step (docker/build-push-action), after docker/setup-buildx-action. */
function buildStep(file: string, job: Yaml): Located {
  const builds = usesOf(job, "docker/build-push-action");
  assert.equal(builds.length, 1, `${file}: one image build`);
  const buildx = usesOf(job, "docker/setup-buildx-action");
  assert.ok(buildx.length === 1 && buildx[0].index < builds[0].index, `${file}: BuildKit (docker/setup-buildx-action) is set up before the build`);
  assert.equal(builds[0].step.with?.context, DOCKER_CONTEXT, `${file}: the build context`);
  assert.equal(builds[0].step.with?.file, DOCKERFILE, `${file}: the Dockerfile`);
  return builds[0];
}

/** The SBOM step of an image job and the upload that keeps its folder with the run. */
function assertImageSbomKept(file: string, job: Yaml, scanned: Located): void {
  const sbom = runStep(job, /trivy image --format cyclonedx /, `${file} image job (SBOM)`);
  const match = /trivy image --format cyclonedx --output "\$RUNNER_TEMP\/([\w-]+)\/[\w.-]+\.cdx\.json" "\$IMAGE"/.exec(sbom.step.run ?? "");
  assert.ok(match, `${file}: the SBOM is written under $RUNNER_TEMP, of "$IMAGE": ${JSON.stringify(sbom.step.run)}`);
  assert.deepEqual(sbom.step.env?.IMAGE ?? job.env?.IMAGE, scanned.step.env?.IMAGE ?? job.env?.IMAGE, `${file}: the SBOM describes the scanned image`);
  const uploads = usesOf(job, "actions/upload-artifact").filter(({ step }) => step.with?.path === `\${{ runner.temp }}/${match[1]}`);
  assert.equal(uploads.length, 1, `${file}: the SBOM folder ${match[1]} is uploaded as an artifact`);
  assert.ok(uploads[0].index > sbom.index, `${file}: the upload follows the SBOM`);
  assert.equal(uploads[0].step.with?.["if-no-files-found"], "error", `${file}: a missing SBOM fails the upload`);
}

/** Problems of a Trivy YAML ignore file's entries, as of `today` (UTC midnight): one line each. */
function ignoreFileProblems(content: unknown, today: Date): string[] {
  if (content === null || typeof content !== "object" || Array.isArray(content)) return ["the ignore file is not a map of finding kinds"];
  const problems: string[] = [];
  const latest = today.getTime() + MAX_IGNORE_DAYS * DAY_MS;
  for (const [kind, entries] of Object.entries(content as Yaml)) {
    if (!Array.isArray(entries)) {
      problems.push(`${kind}: expected a list of entries`);
      continue;
    }
    entries.forEach((entry: Yaml, index) => {
      const where = `${kind}[${index}] (${entry?.id ?? "no id"})`;
      if (typeof entry?.id !== "string" || entry.id === "") problems.push(`${where}: no id`);
      if (typeof entry?.statement !== "string" || !/\S/.test(entry.statement)) problems.push(`${where}: no statement saying why it is accepted`);
      else if (!/accepted by @[\w-]+/i.test(entry.statement)) problems.push(`${where}: the statement names no reviewer (\`Accepted by @<handle>\`)`);
      const raw = entry?.expired_at;
      const expiry = raw instanceof Date ? raw : typeof raw === "string" && /^\d{4}-\d{2}-\d{2}$/.test(raw) ? new Date(`${raw}T00:00:00Z`) : undefined;
      if (expiry === undefined || Number.isNaN(expiry.getTime())) problems.push(`${where}: no expired_at (yyyy-mm-dd): an ignore never expires`);
      else if (expiry.getTime() < today.getTime()) problems.push(`${where}: expired on ${raw}: mend the finding or renew the entry in a reviewed pull request`);
      else if (expiry.getTime() > latest) problems.push(`${where}: expired_at ${raw} is more than ${MAX_IGNORE_DAYS} days ahead`);
    });
  }
  return problems;
}

function todayUtc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

describe("the image pipeline (ci.yml and deploy.yml image jobs)", () => {
  describe("the Trivy gate", () => {
    it(`${TRIVY_CONFIG}: severity exactly CRITICAL,HIGH, vulnerabilities with a fix only, exit code 1, the committed ignore file`, () => {
      assert.deepEqual(trivyConfig.severity, ["CRITICAL", "HIGH"], `${TRIVY_CONFIG}: severity`);
      assert.equal(trivyConfig.vulnerability?.["ignore-unfixed"], true, `${TRIVY_CONFIG}: vulnerability.ignore-unfixed`);
      assert.equal(trivyConfig["exit-code"], 1, `${TRIVY_CONFIG}: exit-code (0 would report and pass)`);
      assert.deepEqual(trivyConfig.scan?.scanners, ["vuln"], `${TRIVY_CONFIG}: scan.scanners`);
      assert.match(trivyConfig.ignorefile, /\.ya?ml$/, `${TRIVY_CONFIG}: the ignore file is Trivy's YAML format (it has expiries and statements)`);
      assert.ok(fs.existsSync(path.join(ROOT, trivyConfig.ignorefile)), `${TRIVY_CONFIG}: ignorefile ${trivyConfig.ignorefile} does not exist`);
      const known = ["scan", "severity", "vulnerability", "exit-code", "ignorefile"];
      assert.deepEqual(Object.keys(trivyConfig).filter((key) => !known.includes(key)), [], `${TRIVY_CONFIG}: a key this test does not check`);
    });
    it("scans in both ci.yml and deploy.yml with exactly that file, overriding nothing of it", () => {
      for (const [file, workflow] of [[CI_FILE, ci], [DEPLOY_FILE, deploy]] as const) {
        const job = workflow.jobs.image;
        const scan = scanStep(file, job);
        assert.equal(scan.config, TRIVY_CONFIG, `${file}: the scan's config`);
        const setup = usesOf(job, "aquasecurity/setup-trivy");
        assert.ok(setup.length === 1 && setup[0].index < scan.index, `${file}: Trivy is installed (aquasecurity/setup-trivy) before the scan`);
        assert.match(String(setup[0].step.with?.version), /^v\d+\.\d+\.\d+$/, `${file}: the Trivy version is pinned`);
        assert.ok(scan.index > buildStep(file, job).index, `${file}: the scan follows the build`);
      }
      assert.equal(usesOf(ci.jobs.image, "aquasecurity/setup-trivy")[0].step.with?.version, usesOf(deploy.jobs.image, "aquasecurity/setup-trivy")[0].step.with?.version, "the same Trivy in ci and deploy");
    });
    it("the ignore file parses and every entry has a reviewer's statement and an expiry at most 90 days ahead", () => {
      const content = parse(read(trivyConfig.ignorefile)) as unknown;
      assert.ok(content !== null && typeof content === "object" && "vulnerabilities" in content, `${trivyConfig.ignorefile}: no vulnerabilities list`);
      assert.deepEqual(ignoreFileProblems(content, todayUtc()), [], `${trivyConfig.ignorefile}`);
    });
    it("the ignore file check refuses an expired, an eternal, a too distant or an unexplained entry, and accepts a good one", () => {
      const today = new Date("2026-12-07T00:00:00Z");
      const good = { id: "CVE-2026-1", statement: "Not reachable. Accepted by @platform-owner.", expired_at: "2027-03-07" };
      assert.deepEqual(ignoreFileProblems({ vulnerabilities: [good, { ...good, expired_at: "2026-12-07" }] }, today), []);
      assert.deepEqual(ignoreFileProblems({ vulnerabilities: [{ ...good, expired_at: new Date("2027-01-01T00:00:00Z") }] }, today), [], "a YAML timestamp");
      const cases: [Yaml, RegExp][] = [
        [{ ...good, expired_at: "2026-12-06" }, /expired on 2026-12-06/],
        [{ ...good, expired_at: "2027-03-08" }, /more than 90 days ahead/],
        [{ id: good.id, statement: good.statement }, /no expired_at/],
        [{ id: good.id, expired_at: good.expired_at }, /no statement/],
        [{ ...good, statement: "Not reachable." }, /names no reviewer/],
        [{ ...good, id: undefined }, /no id/],
      ];
      for (const [entry, problem] of cases) {
        const problems = ignoreFileProblems({ vulnerabilities: [entry] }, today);
        assert.equal(problems.length, 1, JSON.stringify({ entry, problems }));
        assert.match(problems[0], problem);
      }
      assert.deepEqual(ignoreFileProblems({ vulnerabilities: "CVE-2026-1" }, today), ["vulnerabilities: expected a list of entries"]);
      assert.deepEqual(ignoreFileProblems(["CVE-2026-1"], today), ["the ignore file is not a map of finding kinds"]);
    });
  });

  describe("ci.yml", () => {
    const job = ci.jobs.image;
    it("builds app/Dockerfile with BuildKit into the runner's Docker, cached in a scoped GitHub Actions cache, never pushed", () => {
      const build = buildStep(CI_FILE, job).step;
      assert.equal(build.with?.load, true);
      assert.equal(build.with?.push, false);
      assert.match(String(build.with?.["cache-from"]), /^type=gha,scope=[\w-]+$/);
      assert.match(String(build.with?.["cache-to"]), /^type=gha,(mode=max,)?scope=[\w-]+$/);
      assert.equal(String(build.with?.["cache-from"]).split("scope=")[1], String(build.with?.["cache-to"]).split("scope=")[1], "one cache scope");
      assert.equal(build.with?.tags, "${{ env.IMAGE }}", "the scanned name is the built one");
      assert.deepEqual(job.permissions, { contents: "read" });
    });
    it("keeps the image's CycloneDX SBOM as an artifact", () => {
      assertImageSbomKept(CI_FILE, job, scanStep(CI_FILE, job));
    });
    it("resolves every pinned platform image digest (scripts/images.ts, docker buildx imagetools inspect), failing on any error", () => {
      const check = runStep(job, /npx tsx scripts\/images\.ts/, `${CI_FILE} image job (digests)`).step.run ?? "";
      assert.match(check, /^refs="\$\(npx tsx scripts\/images\.ts\)"$/m, "the script's own failure (an unpinned image) fails the step");
      assert.match(check, /if \[\[ -z "\$refs" \]\]; then[\s\S]*?exit 1/, "no reference at all fails");
      assert.match(check, /if docker buildx imagetools inspect "\$ref"/);
      assert.match(check, /failed=1/);
      assert.match(check, /exit "\$failed"\s*$/);
      assert.ok(stepsOf(job).some((step) => step.run?.startsWith("npm ci")), "tsx comes from npm ci");
    });
    it("the check job writes the npm packages' SBOMs after the tests and keeps them as an artifact", () => {
      const check = ci.jobs.check;
      const tests = runStep(check, /^npm test$/, `${CI_FILE} check job`);
      const sbom = runStep(check, /^npx tsx scripts\/sbom\.ts --out /, `${CI_FILE} check job (npm SBOMs)`);
      assert.ok(sbom.index > tests.index, "after the tests");
      const out = /--out "\$RUNNER_TEMP\/([\w-]+)"$/.exec(sbom.step.run?.trim() ?? "");
      assert.ok(out, `the SBOMs go to a folder under $RUNNER_TEMP: ${sbom.step.run}`);
      const upload = usesOf(check, "actions/upload-artifact").find(({ step }) => step.with?.path === `\${{ runner.temp }}/${out[1]}`);
      assert.ok(upload && upload.index > sbom.index, "the folder is uploaded after it is written");
      assert.equal(upload.step.with?.["if-no-files-found"], "error");
    });
  });

  describe("deploy.yml", () => {
    const job = deploy.jobs.image;
    const build = buildStep(DEPLOY_FILE, job);
    it("pushes the build of the tested commit, with no cache a pull request could have written and no provenance index", () => {
      assert.equal(build.step.with?.push, true);
      assert.equal(build.step.with?.load, undefined);
      assert.equal(build.step.with?.provenance, false, "the digest is one image manifest, the one scanned and signed");
      assert.equal(build.step.with?.tags, "${{ env.IMAGE_REPOSITORY }}:${{ github.event.workflow_run.head_sha }}");
      // zizmor's cache-poisoning audit does not treat a workflow_run workflow as a publisher, so this test does.
      assert.equal(build.step.with?.["cache-from"], undefined, "a published image restores no build cache");
      assert.equal(build.step.with?.["cache-to"], undefined);
      assert.ok(!stepsOf(job).some((step) => step.uses?.startsWith("actions/cache")), "no actions/cache");
      for (const { step } of usesOf(job, "aquasecurity/setup-trivy")) assert.notEqual(String(step.with?.cache), "true", "setup-trivy restores no cached binary");
      const login = usesOf(job, "docker/login-action");
      assert.ok(login.length === 1 && login[0].index < build.index, "logs in to the registry before the push");
      assert.deepEqual(login[0].step.with, { registry: "ghcr.io", username: "${{ github.actor }}", password: "${{ secrets.GITHUB_TOKEN }}" });
    });
    it("scans, SBOMs, signs and attests the pushed digest (never a tag), in that order", () => {
      const scan = scanStep(DEPLOY_FILE, job);
      const [refStepId, digestOutput] = stepOutput(scan.step.env?.IMAGE, `${DEPLOY_FILE} scan`);
      const refStep = stepsOf(job).findIndex((step) => step.id === refStepId);
      assert.ok(refStep > build.index && refStep < scan.index, "the digest is taken from the push, before the scan");
      const ref = stepsOf(job)[refStep];
      assert.deepEqual(stepOutput(ref.env?.DIGEST, `${DEPLOY_FILE} step ${refStepId}`), [build.step.id, "digest"], "the digest is the build's output");
      assert.equal(writtenOutput(ref, digestOutput), "$IMAGE_REPOSITORY@$DIGEST", "the scanned reference is repository@digest, with no tag");
      assert.match(ref.run ?? "", /\^sha256:\[0-9a-f\]\{64\}\$/, "the digest is checked before it is used");
      assertImageSbomKept(DEPLOY_FILE, job, scan);
      const sign = runStep(job, /cosign sign /, `${DEPLOY_FILE} image job (signature)`);
      assert.ok(usesOf(job, "sigstore/cosign-installer")[0]?.index < sign.index, "cosign is installed before it signs");
      assert.ok(sign.index > scan.index, "only a scanned digest is signed");
      assert.equal(sign.step.env?.IMAGE, scan.step.env?.IMAGE, "the signed reference is the scanned one");
      assert.match(sign.step.run ?? "", /^cosign sign --yes "\$IMAGE"$/m);
      assert.match(sign.step.run ?? "", /^cosign attest --yes --type cyclonedx --predicate "\$RUNNER_TEMP\/[\w-]+\/[\w.-]+\.cdx\.json" "\$IMAGE"$/m);
      assert.ok(!/--key\b/.test(sign.step.run ?? ""), "keyless: no key to store or leak");
    });
    it("outputs <repository>:<commit>@<digest>, and both pulumi up jobs set it as the service's image before up", () => {
      const [refStepId, refOutput] = stepOutput(job.outputs?.ref, `${DEPLOY_FILE} image job outputs.ref`);
      const ref = stepsOf(job).find((step) => step.id === refStepId);
      assert.ok(ref);
      assert.equal(writtenOutput(ref, refOutput), "$IMAGE_REPOSITORY:$TAG@$DIGEST");
      assert.equal(ref.env?.TAG, "${{ github.event.workflow_run.head_sha }}");
      for (const stack of DEPLOYED_STACKS) {
        const target = deploy.jobs[stack];
        assert.ok([target.needs].flat().includes("image"), `${stack}: needs the image job`);
        const steps = stepsOf(target);
        const set = runStep(target, /pulumi config set --path /, `${DEPLOY_FILE} ${stack}`);
        assert.equal(set.step.env?.IMAGE_REF, "${{ needs.image.outputs.ref }}", `${stack}: the image job's output, through env:`);
        assert.equal(set.step.env?.STACK, stack);
        assert.match(set.step.run ?? "", /^pulumi config set --path "\$IMAGE_CONFIG_PATH" "\$IMAGE_REF" --stack "\$STACK"$/m);
        assert.match(set.step.run ?? "", /^git update-index --skip-worktree "Pulumi\.\$STACK\.yaml"$/m, "the update is not flagged dirty, so a rollback can return to it");
        const up = steps.findIndex((step) => step.uses?.startsWith("pulumi/actions@") && step.with?.command === "up");
        assert.ok(up > set.index, `${stack}: the ref is set before pulumi up`);
        assert.equal(steps[up].with?.["stack-name"], stack);
        const install = steps.findIndex((step) => step.uses?.startsWith("pulumi/actions@") && step.with === undefined);
        assert.ok(install >= 0 && install < set.index, `${stack}: the Pulumi CLI is installed before pulumi config set`);
      }
      assert.equal(runStep(deploy.jobs.staging, /pulumi config set/, "staging").step.run, runStep(deploy.jobs.production, /pulumi config set/, "production").step.run, "one script for both stacks");
    });
    it("names the image repository once, the one the committed stacks deploy, at the config path the stacks read", () => {
      const repository: string = deploy.env?.IMAGE_REPOSITORY;
      assert.match(repository, /^ghcr\.io\/[a-z0-9-]+\/[a-z0-9]+([._-][a-z0-9]+)*$/);
      const project = (load("Pulumi.yaml").name as string) ?? "";
      const [top, ...rest] = String(deploy.env?.IMAGE_CONFIG_PATH).split(".");
      for (const stack of DEPLOYED_STACKS) {
        const config = load(`Pulumi.${stack}.yaml`).config as Yaml;
        const committed = rest.reduce<any>((node, key) => node?.[key], config[`${project}:${top}`]);
        assert.equal(typeof committed, "string", `Pulumi.${stack}.yaml has no ${project}:${deploy.env?.IMAGE_CONFIG_PATH}`);
        const name = committed.split("@")[0].replace(/:[^/:]+$/, "");
        assert.equal(name, repository, `Pulumi.${stack}.yaml deploys ${name}, deploy.yml pushes ${repository}`);
      }
      const mentions = [CI_FILE, DEPLOY_FILE, ".github/workflows/preview.yml", ".github/workflows/rollback.yml"].filter((file) => read(file).includes(repository));
      assert.deepEqual(mentions, [DEPLOY_FILE]);
      assert.equal(read(DEPLOY_FILE).split(repository).length, 2, "named once in deploy.yml");
    });
    it("gives packages: write and the signing id-token: write to the image job alone, with the deploy jobs' guard", () => {
      assert.deepEqual(job.permissions, { contents: "read", packages: "write", "id-token": "write" });
      for (const [file, workflow] of [[CI_FILE, ci], [DEPLOY_FILE, deploy]] as const) {
        for (const [name, other] of Object.entries(workflow.jobs as Yaml) as [string, Yaml][]) {
          if (file === DEPLOY_FILE && name === "image") continue;
          assert.equal(other.permissions?.packages, undefined, `${file} job ${name}: packages permission`);
          assert.ok(!usesOf(other, "sigstore/cosign-installer").length, `${file} job ${name}: signs`);
        }
      }
      assert.equal(job.if, deploy.jobs.staging.if);
      assert.equal(job.if, deploy.jobs.production.if);
    });
  });
});
