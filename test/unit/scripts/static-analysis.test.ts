import * as assert from "node:assert/strict";
import * as path from "node:path";
import { ESLint } from "eslint";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";

// The repository's own eslint.config.mjs, on text linted as if it were a file of the service or of the program:
// `lintText` with a filePath applies the config blocks that path matches, and nothing is written to disk.
const eslint = new ESLint({ cwd: PROJECT_ROOT });

async function errorsOf(relativePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(PROJECT_ROOT, relativePath) });
  assert.ok(result, `no lint result for ${relativePath}`);
  // A file the config ignores comes back with a single "File ignored" warning: that would be a gap, not a pass.
  assert.ok(!result.messages.some((message) => /ignored/i.test(message.message)), `${relativePath} is ignored by eslint.config.mjs`);
  return result.messages.filter((message) => message.severity === 2).map((message) => `${message.ruleId}:${message.line}`);
}

const PLANTED_HANDLER = [
  "interface Request { query: Record<string, string> }",
  "export function run(req: Request): unknown {",
  "  return eval(req.query.code);",
  "}",
  "",
].join("\n");

const CLEAN_HANDLER = [
  "interface Request { query: Record<string, string> }",
  "export function run(req: Request): number {",
  "  return Number.parseInt(req.query.count ?? '0', 10);",
  "}",
  "",
].join("\n");

describe("static analysis (npm run lint): security rules over the service and the program", () => {
  it("fails a service handler that evals request input, with the security rule and the core rule", async () => {
    const errors = await errorsOf("app/src/routes/planted-eval.ts", PLANTED_HANDLER);
    assert.ok(errors.includes("security/detect-eval-with-expression:3"), errors.join(", "));
    assert.ok(errors.includes("no-eval:3"), errors.join(", "));
  });

  it("passes a clean service handler", async () => {
    assert.deepEqual(await errorsOf("app/src/routes/planted-clean.ts", CLEAN_HANDLER), []);
  });

  it("fails code built from strings and a shell command line built from values, in the service and in the program", async () => {
    const code = [
      "import { exec, execSync } from 'node:child_process';",
      "export function run(name: string): void {",
      "  exec(`git log ${name}`);",
      "  execSync('ls ' + name);",
      "  new Function('return ' + name)();",
      "}",
      "",
    ].join("\n");
    for (const file of ["app/scripts/planted.ts", "components/planted.ts", "scripts/planted.ts"]) {
      const errors = await errorsOf(file, code);
      for (const expected of ["no-restricted-syntax:3", "no-restricted-syntax:4", "no-new-func:5"]) {
        assert.ok(errors.includes(expected), `${file}: expected ${expected} in ${errors.join(", ")}`);
      }
    }
  });

  it("lints the service's sources and only those from the app: its tests stay outside", async () => {
    assert.equal(await eslint.isPathIgnored(path.join(PROJECT_ROOT, "app/src/main.ts")), false);
    assert.equal(await eslint.isPathIgnored(path.join(PROJECT_ROOT, "app/scripts/python-venv.ts")), false);
    assert.equal(await eslint.isPathIgnored(path.join(PROJECT_ROOT, "app/test/planted.test.ts")), true);
  });
});
