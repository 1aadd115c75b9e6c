import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SERVICE_DOCKERFILE, checkDockerfile, parseCheckovOutput } from "../../../scripts/lint-dockerfile";
import { toolBinary, toolsDir } from "../../../toolchain/manifest-tools/manifestTools";
import { runScript } from "../../support/commands";

// Needs checkov from toolchain/manifest-tools; `npm test` runs this file with LINT_MANIFEST_TOOLS=1 right after
// `npm run test:lint-manifests` has installed it, and the plain `mocha` run leaves it out (.mocharc.json).
describe("Dockerfile scan (npm run lint:dockerfile, checkov --framework dockerfile secrets)", () => {
  let tmp: string;

  before(() => {
    const reason = process.env.LINT_MANIFEST_TOOLS !== "1"
      ? "checkov runs only in `npm test` after `npm run test:lint-manifests` (LINT_MANIFEST_TOOLS=1)"
      : fs.existsSync(toolBinary("checkov")) ? undefined : "checkov is not installed (bash toolchain/manifest-tools/install.sh)";
    if (reason) throw new Error(`the Dockerfile scan cannot run: ${reason}`);
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lint-dockerfile-test-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("fails a planted bad Dockerfile: latest tag, ADD, root user, no HEALTHCHECK, a cloud key in ENV", () => {
    const dockerfile = path.join(tmp, "Dockerfile");
    // AWS's own documentation example key, split so no secret scanner flags this source file.
    const exampleKey = ["AKIA", "IOSFODNN7", "EXAMPLE"].join("");
    fs.writeFileSync(dockerfile, ["FROM node:latest", "ADD . /app", `ENV AWS_ACCESS_KEY_ID=${exampleKey}`, "USER root", 'CMD ["node", "/app/main.js"]', ""].join("\n"));
    const failed = checkDockerfile(dockerfile).failed.map((check) => check.id).sort();
    assert.deepEqual(failed, ["CKV_DOCKER_2", "CKV_DOCKER_4", "CKV_DOCKER_7", "CKV_DOCKER_8", "CKV_SECRET_2"]);

    const run = runScript("lint-dockerfile", ["--file", dockerfile], { env: { MANIFEST_TOOLS_DIR: toolsDir() } });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stdout, /FAIL CKV_DOCKER_8 Ensure the last USER is not root \(.*Dockerfile:4\)/);
    assert.match(run.stdout, /FAIL CKV_DOCKER_2 Ensure that HEALTHCHECK instructions have been added/);
  });

  it("passes the service's Dockerfile, and every skip in it carries a reason", () => {
    const result = checkDockerfile(SERVICE_DOCKERFILE);
    assert.deepEqual(result.failed, []);
    assert.ok(result.passed > 0);
    for (const check of result.skipped) assert.ok((check.reason ?? "").length > 20, `${check.id} is skipped without a reason`);
  });

  it("reads checkov's JSON whether one framework reported or several, and refuses output that is no report", () => {
    const report = (id: string, passed: number) => ({ check_type: "x", summary: { passed }, results: { failed_checks: [{ check_id: id, check_name: "n", file_line_range: [2, 3] }] } });
    assert.deepEqual(parseCheckovOutput(JSON.stringify(report("A", 4))), { passed: 4, failed: [{ id: "A", name: "n", lines: [2, 3], reason: undefined }], skipped: [] });
    assert.deepEqual(parseCheckovOutput(JSON.stringify([report("A", 4), report("B", 1)])).failed.map((check) => check.id), ["A", "B"]);
    assert.throws(() => parseCheckovOutput("Traceback (most recent call last)"), /checkov printed no JSON report: Traceback/);
  });
});
