import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LOCAL_STACK_PASSPHRASE, lockedVersion } from "../../scripts/pulumi-toolchain/engineStatus";
import { PROJECT_ROOT } from "../../scripts/lib/stackFile";
import { copyProject, type ProjectCopy } from "./support/projectCopy";

// Runs in the unit suite (*.test.ts): it needs no engine. A fake `pulumi` stands in for the toolchain.
const locked = (name: string) => lockedVersion(name, path.join(PROJECT_ROOT, "package-lock.json"));

/** Writes a toolchain whose `pulumi` reports `plugins` and logs every call with the env it got. */
function fakeToolchain(copy: ProjectCopy, plugins: { name: string; version: string }[] | undefined): string {
  const dir = path.join(copy.dir, "..", "toolchain");
  fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
  if (plugins === undefined) return dir; // no CLI at all
  const listing = JSON.stringify(plugins.map((plugin) => ({ ...plugin, kind: "resource" })));
  fs.writeFileSync(
    path.join(dir, "bin", "pulumi"),
    `#!/bin/sh\necho "$* | $PULUMI_BACKEND_URL | $PULUMI_CONFIG_PASSPHRASE | $(node --version)" >> "${dir}/calls.log"\n` +
      `case "$1 $2" in "version "*) echo v3.259.0 ;; "plugin ls") echo '${listing}' ;; esac\n`,
    { mode: 0o755 },
  );
  return dir;
}

/** `npm run local` as a fresh shell would run it: no toolchain on PATH but the one given, a real passphrase and bucket in the env. */
function runLocal(copy: ProjectCopy, toolchain: string) {
  const result = spawnSync("bash", ["scripts/local.sh"], {
    cwd: copy.dir,
    encoding: "utf8",
    env: {
      PATH: `${path.join(copy.dir, "node_modules", ".bin")}:/usr/bin:/bin`,
      HOME: process.env.HOME,
      PULUMI_TOOLCHAIN_DIR: toolchain,
      PULUMI_HOME: path.join(toolchain, "home"),
      PULUMI_BACKEND_URL: "s3://a-shared-bucket",
      PULUMI_CONFIG_PASSPHRASE: "a real passphrase",
    },
  });
  const calls = fs.existsSync(path.join(toolchain, "calls.log")) ? fs.readFileSync(path.join(toolchain, "calls.log"), "utf8").trim().split("\n") : [];
  const rendered = fs.existsSync(path.join(copy.dir, "rendered", "local")) ? fs.readdirSync(path.join(copy.dir, "rendered", "local")) : [];
  return { ...result, calls, rendered };
}

describe("npm run local (scripts/local.sh) picks the engine only when the CLI and the local stack's plugins are installed", function () {
  let copy: ProjectCopy;
  beforeEach(() => (copy = copyProject()));
  afterEach(() => copy.remove());

  it("without a Pulumi CLI: renders offline into rendered/local and says why", function () {
    const run = runLocal(copy, fakeToolchain(copy, undefined));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /local: offline render, because the engine cannot run the local stack here: no Pulumi CLI on PATH/);
    assert.match(run.stdout, /local: manifests are in rendered\/local/);
    assert.ok(run.rendered.includes("deployment-apps-items-api.yaml"), run.rendered.join(", "));
  });

  it("with the CLI but without the plugins: renders offline, naming the missing plugins at their locked versions", function () {
    const run = runLocal(copy, fakeToolchain(copy, []));
    assert.equal(run.status, 0, run.stderr);
    const missing = `pulumi-resource-kubernetes v${locked("kubernetes")}, pulumi-resource-random v${locked("random")}`;
    assert.ok(run.stdout.includes(`Pulumi CLI v3.259.0 is installed, but not the resource plugins ${missing}`), run.stdout);
    assert.ok(run.rendered.includes("deployment-apps-items-api.yaml"), run.rendered.join(", "));
    assert.deepEqual(run.calls.map((call) => call.split(" | ")[0]), ["version", "plugin ls --json"]);
  });

  it("with the CLI and both plugins: runs pulumi up -s local on Node 24, the .pulumi-state file backend and the local passphrase only", function () {
    const run = runLocal(copy, fakeToolchain(copy, [{ name: "kubernetes", version: locked("kubernetes") }, { name: "random", version: locked("random") }]));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /local: engine path: Pulumi CLI v3\.259\.0 with the resource plugins kubernetes v\S+, random v\S+/);
    const lastTwo = run.calls.slice(-2).map((call) => call.split(" | "));
    const node = lastTwo[0][3];
    assert.match(node, /^v24\./);
    const env = [`file://${copy.dir}/.pulumi-state`, LOCAL_STACK_PASSPHRASE, node];
    assert.deepEqual(lastTwo, [
      ["stack select --create local", ...env],
      ["up --yes -s local", ...env],
    ]);
  });
});
