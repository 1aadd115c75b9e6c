import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LOCAL_STACK_PASSPHRASE, lockedVersion } from "../../../toolchain/pulumi/engine-status";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import { copyProject, type ProjectCopy } from "../../support/projectCopy";

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

describe("npm run local (scripts/local.sh) installs the toolchain when it can, and picks the engine only when the CLI and the local stack's plugins are there", function () {
  let copy: ProjectCopy;
  beforeEach(() => (copy = copyProject()));
  afterEach(() => copy.remove());

  it("without a Pulumi CLI and without Go to build one: tries the install, then renders offline into rendered/local and says why", function () {
    const run = runLocal(copy, fakeToolchain(copy, undefined));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /local: the engine is not ready \(no Pulumi CLI on PATH .*\); installing the toolchain/);
    assert.match(run.stderr, /go is not on PATH/);
    assert.match(run.stdout, /local: offline render, because the engine cannot run the local stack here: no Pulumi CLI on PATH/);
    assert.match(run.stdout, /local: manifests are in rendered\/local/);
    assert.ok(run.rendered.includes("deployment-apps-items-api.yaml"), run.rendered.join(", "));
  });

  it("with the CLI but without the plugins: renders offline, naming the missing plugins at their locked versions", function () {
    const run = runLocal(copy, fakeToolchain(copy, []));
    assert.equal(run.status, 0, run.stderr);
    const missing = `pulumi-resource-kubernetes v${locked("kubernetes")}, pulumi-resource-random v${locked("random")}, pulumi-resource-tls v${locked("tls")}`;
    assert.ok(run.stdout.includes(`Pulumi CLI v3.259.0 is installed, but not the resource plugins ${missing}`), run.stdout);
    assert.ok(run.rendered.includes("deployment-apps-items-api.yaml"), run.rendered.join(", "));
    // Asked once before the install attempt and once after it; never `up`.
    assert.deepEqual(run.calls.map((call) => call.split(" | ")[0]), ["version", "plugin ls --json", "version", "plugin ls --json"]);
  });

  it("with the CLI and the three plugins: runs pulumi up -s local on Node 24, the .pulumi-state file backend and the local passphrase only, saying which plugins are stand-ins", function () {
    const toolchain = fakeToolchain(copy, ["kubernetes", "random", "tls"].map((name) => ({ name, version: locked(name) })));
    const standInDir = path.join(toolchain, "home", "plugins", `resource-random-v${locked("random")}`);
    fs.mkdirSync(standInDir, { recursive: true });
    fs.writeFileSync(path.join(standInDir, "STAND-IN"), "stand-in\n");
    const run = runLocal(copy, toolchain);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /local: engine path: Pulumi CLI v3\.259\.0 with the resource plugins kubernetes v\S+, random v\S+ \(stand-in\), tls v\S+\n/);
    assert.match(run.stdout, /^local: random: stand-in plugin \(real plugin not installed\)$/m);
    assert.doesNotMatch(run.stdout, /tls: stand-in/);
    assert.match(run.stdout, /local: the local cluster is not up \(npm run cluster -- up starts it\): 'pulumi up -s local' renders the manifests into rendered\/local/);
    const lastTwo = run.calls.slice(-2).map((call) => call.split(" | "));
    const node = lastTwo[0][3];
    assert.match(node, /^v24\./);
    const env = [`file://${copy.dir}/.pulumi-state`, LOCAL_STACK_PASSPHRASE, node];
    assert.deepEqual(lastTwo, [
      ["stack select --create local", ...env],
      ["up --yes --skip-preview -s local", ...env],
    ]);
  });
});

describe("npm run local -- --help", () => {
  it("prints its usage with a pointer to its doc and exits 0; an unknown option prints the usage and exits 2, touching nothing", () => {
    const help = spawnSync("bash", ["scripts/local.sh", "--help"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: npm run local -- \[--offline\]\n/);
    assert.match(help.stdout, /^ {2}--offline {3}render with the program under mocks instead/m);
    assert.match(help.stdout, /\ndocs: docs\/toolchain\.md\n$/);
    const unknown = spawnSync("bash", ["scripts/local.sh", "--ofline"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^local: unknown option --ofline\n\nusage: npm run local/);
    assert.equal(unknown.stdout, "");
  });
});
