import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type LicensePolicy, expressionAllowed, licenseViolations, loadLicensePolicy, parseLicensePolicy, violationLine } from "../../../scripts/lib/licenses";
import { LICENSE_POLICY_FILE, checkSbomFile, generateSbom } from "../../../scripts/sbom";

const policy: LicensePolicy = {
  allowed: { MIT: "permissive", "Apache-2.0": "permissive" },
  packages: { "@acme/odd@1.0.0": { license: "MIT", reason: "its LICENSE file is MIT" } },
};
const allowed = new Set(Object.keys(policy.allowed));

describe("license expressions against the allow-list (scripts/lib/licenses.ts)", () => {
  it("passes an OR expression when one branch is allowed, and an AND expression only when both are", () => {
    assert.equal(expressionAllowed("(MIT OR GPL-3.0)", allowed), true);
    assert.equal(expressionAllowed("(GPL-3.0-only OR AGPL-3.0-only)", allowed), false);
    assert.equal(expressionAllowed("(MIT AND GPL-3.0)", allowed), false);
    assert.equal(expressionAllowed("(MIT AND Apache-2.0)", allowed), true);
    assert.equal(expressionAllowed("MIT OR (Apache-2.0 AND GPL-2.0-only)", allowed), true);
  });

  it("judges `X WITH exception` as X, and `X+` as X only", () => {
    assert.equal(expressionAllowed("Apache-2.0 WITH LLVM-exception", allowed), true);
    assert.equal(expressionAllowed("GPL-2.0-only WITH Classpath-exception-2.0", allowed), false);
    assert.equal(expressionAllowed("GPL-2.0+", allowed), false);
  });

  it("throws on text that is no SPDX expression", () => {
    assert.throws(() => expressionAllowed("SEE LICENSE IN LICENSE", allowed));
  });

  it("names the SBOM, the package, its version and its license for each component not allowed, nested ones too", () => {
    const bom = {
      components: [
        { name: "ok", version: "1.0.0", licenses: [{ license: { id: "MIT" } }] },
        { group: "@acme", name: "gpl", version: "2.0.0", licenses: [{ license: { id: "GPL-3.0-only" } }] },
        { name: "bare", version: "3.0.0" },
        { name: "prose", version: "4.0.0", licenses: [{ license: { name: "SEE LICENSE IN LICENSE" } }] },
        { name: "and", version: "5.0.0", licenses: [{ expression: "(MIT AND GPL-3.0)" }], components: [{ name: "inner", version: "6.0.0", licenses: [{ license: { id: "LGPL-2.1-only" } }] }] },
        { name: "or", version: "7.0.0", licenses: [{ expression: "(MIT OR GPL-3.0)" }] },
        { group: "@acme", name: "odd", version: "1.0.0", licenses: [{ license: { name: "SEE LICENSE IN LICENSE" } }] },
      ],
    };
    assert.deepEqual(licenseViolations(bom, policy, "app.cdx.json").map(violationLine), [
      'app.cdx.json: @acme/gpl@2.0.0: license "GPL-3.0-only" is not allowed',
      'app.cdx.json: bare@3.0.0: license "(none)" declares no license',
      'app.cdx.json: prose@4.0.0: license "SEE LICENSE IN LICENSE" is no SPDX expression; read the package\'s license and record it under `packages`',
      'app.cdx.json: and@5.0.0: license "(MIT AND GPL-3.0)" is not allowed',
      'app.cdx.json: inner@6.0.0: license "LGPL-2.1-only" is not allowed',
    ]);
  });

  it("refuses an allow-list that allows GPL, LGPL or AGPL, gives no reason, or lists an expression", () => {
    const base = { allowed: { MIT: "permissive" }, packages: {} };
    assert.deepEqual(parseLicensePolicy(base, "x.json"), base);
    assert.throws(() => parseLicensePolicy({ ...base, allowed: { "LGPL-3.0-only": "weak copyleft" } }, "x.json"), /x\.json: allowed\.LGPL-3\.0-only: GPL, LGPL and AGPL/);
    assert.throws(() => parseLicensePolicy({ ...base, allowed: { MIT: "" } }, "x.json"), /x\.json: allowed\.MIT: give a one-line reason/);
    assert.throws(() => parseLicensePolicy({ ...base, allowed: { "MIT OR ISC": "both" } }, "x.json"), /expected a single SPDX license id/);
    assert.throws(() => parseLicensePolicy({ ...base, packages: { odd: { license: "MIT", reason: "r" } } }, "x.json"), /packages\.odd: expected name@version/);
  });

  it("the committed allow-list loads and allows no copyleft license", () => {
    const committed = loadLicensePolicy(LICENSE_POLICY_FILE);
    assert.ok(Object.keys(committed.allowed).includes("MIT"));
    assert.ok(!Object.keys(committed.allowed).some((id) => /GPL/.test(id)));
  });
});

/** A throwaway npm project whose dependencies are local `file:` packages declaring the given licenses. */
function fixtureProject(root: string, licenses: Record<string, string>): string {
  const dependencies: Record<string, string> = {};
  for (const [name, license] of Object.entries(licenses)) {
    fs.mkdirSync(path.join(root, "packages", name), { recursive: true });
    fs.writeFileSync(path.join(root, "packages", name, "package.json"), JSON.stringify({ name, version: "1.2.3", license }));
    dependencies[name] = `file:./packages/${name}`;
  }
  fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "fixture", version: "1.0.0", private: true, license: "MIT", dependencies }));
  const install = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund"], { cwd: root, encoding: "utf8" });
  assert.equal(install.status, 0, `npm install in ${root}: ${install.stderr}`);
  return root;
}

describe("SBOM license gate on a real npm project (scripts/sbom.ts, cyclonedx-npm)", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sbom-test-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("fails a GPL dependency and an AND expression with a GPL branch, naming package, version, license and SBOM", async () => {
    const project = fixtureProject(path.join(tmp, "project"), { "gpl-lib": "GPL-3.0-only", "mit-lib": "MIT", "or-lib": "(MIT OR GPL-3.0)", "and-lib": "(MIT AND GPL-3.0)" });
    const sbom = path.join(tmp, "app.cdx.json");
    generateSbom(project, sbom);
    const report = await checkSbomFile(sbom, loadLicensePolicy(LICENSE_POLICY_FILE));
    assert.equal(report.components, 4);
    assert.deepEqual([...report.problems].sort(), [
      'app.cdx.json: and-lib@1.2.3: license "(MIT AND GPL-3.0)" is not allowed',
      'app.cdx.json: gpl-lib@1.2.3: license "GPL-3.0-only" is not allowed',
    ]);
  });

  it("passes a project whose dependencies are permissive or offer a permissive choice", async () => {
    const project = fixtureProject(path.join(tmp, "project"), { "mit-lib": "MIT", "or-lib": "(MIT OR GPL-3.0)" });
    const sbom = path.join(tmp, "program.cdx.json");
    generateSbom(project, sbom);
    const report = await checkSbomFile(sbom, loadLicensePolicy(LICENSE_POLICY_FILE));
    assert.equal(report.components, 2);
    assert.deepEqual(report.problems, []);
  });

  it("reports a document that is not valid CycloneDX", async () => {
    const sbom = path.join(tmp, "app.cdx.json");
    fs.writeFileSync(sbom, JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.6", components: [{ name: "x", version: "1", licenses: [{ license: { id: "MIT" } }] }] }));
    const report = await checkSbomFile(sbom, loadLicensePolicy(LICENSE_POLICY_FILE));
    assert.equal(report.problems.length, 1);
    assert.match(report.problems[0], /^app\.cdx\.json: not a valid CycloneDX 1\.6 document: /);
  });
});
