import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configuredBackend, explainPulumiError, LOGIN_HINT } from "../../../scripts/lib/pulumiErrors";
import { linesOf, runScript } from "../../support/commands";

/**
 * A `pulumi` that answers `version` as a recent CLI does and fails `stack select` the way the real CLI does
 * for the case named in FAKE_PULUMI; every call is logged, so a test can see which calls were made.
 */
function fakePulumi(dir: string): string {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(
    path.join(bin, "pulumi"),
    [
      "#!/bin/sh",
      `echo "$*" >> "${path.join(dir, "calls.log")}"`,
      'if [ "$1" = version ]; then echo v3.270.0; exit 0; fi',
      'case "$FAKE_PULUMI" in',
      "  no-stack) echo \"error: no stack named 'staging' found\" >&2 ;;",
      "  no-login) echo 'error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions' >&2 ;;",
      "esac",
      "exit 255",
    ].join("\n"),
    { mode: 0o755 },
  );
  return bin;
}

describe("npm run history and rollback say in one line what is missing to reach the stack", function () {
  let dir: string;
  let bin: string;
  let home: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-backend-"));
    bin = fakePulumi(dir);
    home = path.join(dir, "home");
    fs.mkdirSync(home);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const calls = () => (fs.existsSync(path.join(dir, "calls.log")) ? linesOf(fs.readFileSync(path.join(dir, "calls.log"), "utf8")) : []);

  for (const [command, args, prefix] of [
    ["history", ["--stack", "staging"], "history: "],
    ["rollback", ["--stack", "staging", "--to", "3", "--yes"], "rollback cannot start: "],
  ] as const) {
    it(`${command}: no backend configured → one line asking for PULUMI_BACKEND_URL or a login, before any CLI runs`, () => {
      const run = runScript(command, [...args], { pathFirst: [bin], env: { HOME: home } });
      assert.equal(run.status, 1);
      assert.deepEqual(linesOf(run.stderr), [`${prefix}no Pulumi backend: ${LOGIN_HINT}`]);
      assert.doesNotMatch(run.stderr + run.stdout, /PULUMI_ACCESS_TOKEN/);
      assert.deepEqual(calls(), [], "the CLI is not started without a backend");
    });

    it(`${command}: a stack the backend does not hold → one line naming the stack and the backend`, () => {
      const backend = `file://${path.join(dir, "state")}`;
      const run = runScript(command, [...args], { pathFirst: [bin], env: { HOME: home, PULUMI_BACKEND_URL: backend, FAKE_PULUMI: "no-stack" } });
      assert.equal(run.status, 1);
      assert.deepEqual(linesOf(run.stderr), [`${prefix}stack 'staging' does not exist in the backend ${backend}: check the stack name, or point PULUMI_BACKEND_URL at the backend that holds it`]);
      assert.ok(calls().some((call) => call.startsWith("stack select --stack staging")), calls().join("\n"));
    });
  }

  it("history: a stored login the CLI rejects → one line with the login hint, never Pulumi Cloud's token", () => {
    fs.mkdirSync(path.join(home, ".pulumi"));
    fs.writeFileSync(path.join(home, ".pulumi", "credentials.json"), JSON.stringify({ current: "https://pulumi.internal.example", accessTokens: {} }));
    const run = runScript("history", ["--stack", "staging"], { pathFirst: [bin], env: { HOME: home, FAKE_PULUMI: "no-login" } });
    assert.equal(run.status, 1);
    assert.deepEqual(linesOf(run.stderr), [`history: not logged in to the Pulumi backend https://pulumi.internal.example: ${LOGIN_HINT}`]);
  });

  it("finds the backend as the CLI does: PULUMI_BACKEND_URL first, then the stored login", () => {
    fs.mkdirSync(path.join(home, ".pulumi"));
    fs.writeFileSync(path.join(home, ".pulumi", "credentials.json"), JSON.stringify({ current: "s3://stored-login" }));
    assert.equal(configuredBackend({ HOME: home }, dir), "s3://stored-login");
    assert.equal(configuredBackend({ HOME: home, PULUMI_BACKEND_URL: "s3://from-env" }, dir), "s3://from-env");
    assert.equal(configuredBackend({ HOME: path.join(dir, "nobody") }, dir), undefined);
  });

  it("reports a missing CLI as such, and any other CLI failure as its first error line", () => {
    const missing = { name: "CommandError", commandResult: { stderr: "Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT", err: new Error("spawn pulumi ENOENT") } };
    assert.match(explainPulumiError(missing, "staging", undefined), /^the Pulumi CLI is not installed/);
    const other = { name: "CommandError", commandResult: { stderr: "warning: a\nerror: the stack is currently locked by 1 lock(s)\nmore detail" } };
    assert.equal(explainPulumiError(other, "staging", "s3://b"), "pulumi failed: the stack is currently locked by 1 lock(s)");
  });
});
