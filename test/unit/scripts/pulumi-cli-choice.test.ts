import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decideStatus } from "../../../toolchain/pulumi/engine-status";

const CHOICE = path.join(__dirname, "..", "..", "..", "scripts", "lib", "pulumi-cli-choice.sh");

/** Sources the chooser in a clean shell with HOME and PATH of our making, and prints what it decided. */
function choose(home: string, pathDirs: string[], extra: Record<string, string> = {}): Record<string, string> {
  const script = `source "${CHOICE}"; for v in PULUMI_CLI_CHOICE PULUMI_HOME PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION; do echo "$v=\${!v-}"; done`;
  const result = spawnSync("bash", ["-c", script], { env: { HOME: home, PATH: [...pathDirs, "/usr/bin", "/bin"].join(":"), ...extra }, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return Object.fromEntries(result.stdout.trim().split("\n").map((line) => line.split(/=(.*)/s).slice(0, 2)));
}

describe("which Pulumi CLI npm run local, history and rollback use", () => {
  let home: string;
  let bin: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "cli-choice-"));
    bin = path.join(home, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\necho v3.200.0\n", { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it("uses your own CLI with plugins in ~/.pulumi, with your login and none of the toolchain's settings", () => {
    fs.mkdirSync(path.join(home, ".pulumi", "plugins"), { recursive: true });
    const chosen = choose(home, [bin]);
    assert.equal(chosen.PULUMI_CLI_CHOICE, "official");
    assert.equal(chosen.PULUMI_HOME, "", "PULUMI_HOME left to the user (their ~/.pulumi and login)");
    assert.equal(chosen.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, "");
  });

  it("falls back to the project's toolchain, and only then applies its offline environment", () => {
    const chosen = choose(home, [bin]);
    assert.equal(chosen.PULUMI_CLI_CHOICE, "toolchain");
    assert.match(chosen.PULUMI_HOME, /production-blueprint\/pulumi-toolchain\/pulumi-home$/);
    assert.equal(chosen.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, "true");
  });

  it("lets PULUMI_CLI=toolchain force the toolchain even where an official CLI is installed", () => {
    fs.mkdirSync(path.join(home, ".pulumi", "plugins"), { recursive: true });
    assert.equal(choose(home, [bin], { PULUMI_CLI: "toolchain" }).PULUMI_CLI_CHOICE, "toolchain");
  });

  it("says what to do about missing plugins without blaming the network or the module proxy", () => {
    const status = decideStatus("3.259.0", [], { kubernetes: "4.34.2" });
    assert.doesNotMatch(status.reason, /proxy|network/i);
    assert.match(status.reason, /pulumi plugin install resource/);
  });
});
