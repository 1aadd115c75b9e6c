/**
 * The secret-scanning gate (scripts/scan-secrets.ts, gitleaks built by toolchain/test-tools/install-gitleaks.sh)
 * on planted secrets: in the tree, in a commit deleted later, in a render, and a fixture whose exact fingerprint
 * stops covering it once it moves. The planted values are built here at run time from a hash, so this file
 * holds nothing the scanner would find, and every run plants the same values.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GITLEAKS_CONFIG, GITLEAKS_IGNORE, HISTORY_LOG_OPTIONS, TREE_CONFIG, gitleaksArgs, installGitleaks } from "../../../scripts/scan-secrets";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import { type CommandRun, runScript } from "../../support/commands";

/** `length` characters of `alphabet`, derived from `label`: high-entropy, and the same on every run. */
function derived(label: string, alphabet: string, length: number): string {
  const bytes = createHash("sha512").update(`secret-scan test: ${label}`).digest();
  return Array.from(bytes.subarray(0, length), (byte) => alphabet[byte % alphabet.length]).join("");
}
const UPPER_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** The shape of an AWS access key id (rule aws-access-token), the prefix split so no line of this file has it whole. */
const awsKeyId = (label: string) => ["AK", "IA"].join("") + derived(label, UPPER_BASE32, 16);
/** The shape of a GitHub personal access token (rule github-pat). */
const githubToken = (label: string) => ["gh", "p_"].join("") + derived(label, ALPHANUMERIC, 36);
/** A generated password or key as a random provider returns it (rule generic-api-key, under a key name). */
const generatedPassword = (label: string) => derived(label, ALPHANUMERIC, 32);

const GIT_ENV = { GIT_AUTHOR_NAME: "test", GIT_AUTHOR_EMAIL: "test@example.com", GIT_COMMITTER_NAME: "test", GIT_COMMITTER_EMAIL: "test@example.com", GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...GIT_ENV } }).trim();

/** The cache location as the parent has it, so the gate finds the gitleaks the `before` hook installed. */
const CACHE_ENV = Object.fromEntries(["PRODUCTION_BLUEPRINT_CACHE", "XDG_CACHE_HOME"].flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])));
const scanSecrets = (...args: string[]): CommandRun & { output: string } => {
  const run = runScript("scan-secrets", args, { env: CACHE_ENV });
  return { ...run, output: run.stdout + run.stderr };
};

/** Asserts the gate failed on findings (exit 1, not an error) and printed them redacted. */
function assertFindings(run: CommandRun & { output: string }, rule: string, planted: string): void {
  assert.equal(run.status, 1, run.output);
  assert.match(run.output, new RegExp(`RuleID:\\s+${rule}`));
  assert.match(run.output, /Secret:\s+REDACTED/);
  assert.ok(!run.output.includes(planted), "the planted secret reached the output unredacted");
}

describe("secret scan: the gate on planted secrets (gitleaks)", function () {
  // Each case runs the gate as npm does (tsx, then gitleaks): a few seconds each on a busy machine.
  this.timeout(300_000);
  let scratch: string;

  before(() => {
    // Idempotent: prints the cached binary's path at once, builds it first on a cold cache; fails loudly if it cannot.
    const gitleaks = installGitleaks();
    assert.match(execFileSync(gitleaks, ["version"], { encoding: "utf8" }), /^v8\./);
  });
  beforeEach(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), "secret-scan-"))));
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  /** A new git repository with this repository's rules and fingerprints, and one clean commit. */
  function repository(name = "repo"): string {
    const dir = path.join(scratch, name);
    fs.mkdirSync(dir);
    for (const file of [GITLEAKS_CONFIG, GITLEAKS_IGNORE]) fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(dir, file));
    fs.writeFileSync(path.join(dir, "README.md"), "A repository for the secret scan's tests.\n");
    git(dir, "init", "--quiet", "--initial-branch=main");
    git(dir, "add", "-A");
    git(dir, "commit", "--quiet", "-m", "clean start");
    return dir;
  }
  const write = (dir: string, file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };

  it("builds each scan's gitleaks command line with the repository's config, redaction, no inline exemptions and HEAD's history", () => {
    const history = gitleaksArgs("history", "/repo", "/tmp/report.json");
    const tree = gitleaksArgs("tree", "/repo", "/tmp/report.json");
    assert.deepEqual([history[0], tree[0], gitleaksArgs("renders", "/repo", "/tmp/r.json")[0]], ["git", "dir", "dir"]);
    assert.equal(history[history.indexOf("--config") + 1], path.join("/repo", GITLEAKS_CONFIG));
    assert.equal(tree[tree.indexOf("--config") + 1], TREE_CONFIG);
    assert.ok(fs.readFileSync(TREE_CONFIG, "utf8").includes(`[extend]\npath = "${GITLEAKS_CONFIG}"\n`), `${TREE_CONFIG} must extend the scanned repository's ${GITLEAKS_CONFIG}`);
    for (const args of [history, tree]) {
      assert.equal(args[args.indexOf("--gitleaks-ignore-path") + 1], path.join("/repo", GITLEAKS_IGNORE));
      for (const flag of ["--redact", "--ignore-gitleaks-allow"]) assert.ok(args.includes(flag), `${flag} missing from ${args.join(" ")}`);
    }
    assert.equal(history[history.indexOf("--log-opts") + 1], HISTORY_LOG_OPTIONS);
    assert.match(HISTORY_LOG_OPTIONS, /\bHEAD$/);
  });

  it("tree: fails on a planted AWS access key id, redacted, and passes once it is gone", () => {
    const repo = repository();
    const planted = awsKeyId("tree");
    write(repo, "src/settings.ts", `export const settings = {\n  region: "eu-west-1",\n  accessKeyId: "${planted}",\n};\n`);
    const run = scanSecrets("--root", repo, "--scan", "tree");
    assertFindings(run, "aws-access-token", planted);
    assert.match(run.output, /Fingerprint:\s+src\/settings\.ts:aws-access-token:3/);
    assert.match(run.output, /secret scan: tree: 1 finding\(s\)/);

    fs.rmSync(path.join(repo, "src"), { recursive: true });
    const clean = scanSecrets("--root", repo, "--scan", "tree");
    assert.equal(clean.status, 0, clean.output);
    assert.match(clean.output, /secret scan: tree: no findings/);
  });

  it("tree: an inline gitleaks:allow comment exempts nothing", () => {
    const repo = repository();
    const planted = githubToken("inline-allow");
    write(repo, "deploy.sh", `#!/bin/sh\nexport GITHUB_TOKEN=${planted} # gitleaks:allow\n`);
    assertFindings(scanSecrets("--root", repo, "--scan", "tree"), "github-pat", planted);
  });

  it("history: fails on a secret committed and deleted in a later commit, which the tree scan no longer sees", () => {
    const repo = repository();
    const planted = githubToken("history");
    write(repo, "scripts/release.sh", `#!/bin/sh\ncurl -H "Authorization: token ${planted}" https://api.github.com/user\n`);
    git(repo, "add", "-A");
    git(repo, "commit", "--quiet", "-m", "release script");
    const added = git(repo, "rev-parse", "HEAD");
    git(repo, "rm", "--quiet", "scripts/release.sh");
    git(repo, "commit", "--quiet", "-m", "remove the release script");

    const tree = scanSecrets("--root", repo, "--scan", "tree");
    assert.equal(tree.status, 0, tree.output);
    const history = scanSecrets("--root", repo, "--scan", "history");
    assertFindings(history, "github-pat", planted);
    assert.match(history.output, new RegExp(`Fingerprint:\\s+${added}:scripts/release\\.sh:github-pat:2`));
  });

  it("tree and history: a gitignored build directory is skipped in the tree, and found in the history once a file there is committed", () => {
    const repo = repository();
    const planted = awsKeyId("dist");
    write(repo, ".gitignore", "dist/\n");
    write(repo, "dist/bundle.js", `var config = { accessKeyId: "${planted}" };\n`);
    const tree = scanSecrets("--root", repo, "--scan", "tree");
    assert.equal(tree.status, 0, tree.output);
    git(repo, "add", "-A");
    git(repo, "add", "--force", "dist/bundle.js");
    git(repo, "commit", "--quiet", "-m", "build output committed by mistake");
    assertFindings(scanSecrets("--root", repo, "--scan", "history"), "aws-access-token", planted);
  });

  it("history: refuses a shallow clone instead of scanning less", () => {
    const repo = repository();
    write(repo, "notes.md", "a second commit, so the clone below really lacks one\n");
    git(repo, "add", "-A");
    git(repo, "commit", "--quiet", "-m", "notes");
    git(scratch, "clone", "--quiet", "--depth", "1", `file://${repo}`, "shallow");
    const run = scanSecrets("--root", path.join(scratch, "shallow"), "--scan", "history");
    assert.equal(run.status, 2, run.output);
    assert.match(run.stderr, /scan-secrets failed: .*shallow clone \(git rev-parse --is-shallow-repository: true\)/);
    assert.doesNotMatch(run.output, /commits scanned/);
  });

  it("renders: fails on a generated password in plaintext in a manifest; passes the secret marker and the keyed checksum annotation", () => {
    const renders = path.join(scratch, "renders");
    const planted = generatedPassword("render");
    const secret = (value: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: items-api-api-key\n  namespace: apps\nstringData:\n  api-key: "${value}"\ntype: Opaque\n`;
    const checksum = derived("checksum", "0123456789abcdef", 64);
    const job = (annotation: string) =>
      `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: elasticsearch-setup\nspec:\n  template:\n    metadata:\n      annotations:\n        ${annotation}: ${checksum}\n`;
    write(renders, "local/secret-apps-items-api-api-key.yaml", secret("[secret]"));
    write(renders, "local/job-observability-elasticsearch-setup.yaml", job("checksum.blueprint.io/secret-bodies"));
    const clean = scanSecrets("--scan", "renders", "--renders", renders);
    assert.equal(clean.status, 0, clean.output);
    assert.match(clean.output, /secret scan: renders: no findings/);

    write(renders, "staging/secret-apps-items-api-api-key.yaml", secret(planted));
    const leaked = scanSecrets("--scan", "renders", "--renders", renders);
    assertFindings(leaked, "generic-api-key", planted);
    assert.match(leaked.output, /File:\s+staging\/secret-apps-items-api-api-key\.yaml/);

    // The annotation's exemption is that one key: the same value under another name is a finding.
    fs.rmSync(path.join(renders, "staging"), { recursive: true });
    write(renders, "local/job-observability-elasticsearch-setup.yaml", job("checksum.blueprint.io/secret-values"));
    assertFindings(scanSecrets("--scan", "renders", "--renders", renders), "generic-api-key", checksum);
  });

  it("fingerprints are exact: an allowed fixture is a finding again once it moves to another line or file", () => {
    const repo = repository();
    const fixture = awsKeyId("fixture");
    const text = `// A made-up key for the parser's tests.\nexport const FIXTURE_KEY_ID = "${fixture}";\n`;
    write(repo, "test/fixture.ts", text);
    fs.appendFileSync(path.join(repo, GITLEAKS_IGNORE), "\n# The parser test's made-up key.\ntest/fixture.ts:aws-access-token:2\n");
    const allowed = scanSecrets("--root", repo, "--scan", "tree");
    assert.equal(allowed.status, 0, allowed.output);

    write(repo, "test/fixture.ts", `// Moved down one line.\n${text}`);
    const moved = scanSecrets("--root", repo, "--scan", "tree");
    assertFindings(moved, "aws-access-token", fixture);
    assert.match(moved.output, /Fingerprint:\s+test\/fixture\.ts:aws-access-token:3/);

    fs.rmSync(path.join(repo, "test"), { recursive: true });
    write(repo, "test/other-fixture.ts", text);
    const renamed = scanSecrets("--root", repo, "--scan", "tree");
    assertFindings(renamed, "aws-access-token", fixture);
    assert.match(renamed.output, /Fingerprint:\s+test\/other-fixture\.ts:aws-access-token:2/);
  });
});
