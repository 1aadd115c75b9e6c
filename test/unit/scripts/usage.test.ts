import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import { defineCommand, parseCommandLine, usageText } from "../../../scripts/lib/usage";
import { runScript } from "../../support/commands";

/** Every npm script that runs a TypeScript command in scripts/, by npm script name. */
function commands(): { name: string; script: string }[] {
  const scripts = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  return Object.entries(scripts).flatMap(([name, line]) => {
    const match = /tsx scripts\/([\w-]+)\.ts/.exec(line);
    return match && !line.includes("mocha") ? [{ name, script: match[1] }] : [];
  });
}

/** Checks the one usage shape: synopsis, a line per option in it, help, and an existing docs page. */
function assertUsage(text: string, name: string): void {
  const lines = text.split("\n");
  assert.ok(lines[0].startsWith(`usage: npm run ${name} --`), `${name}: first line is ${lines[0]}`);
  const optionLines = lines.slice(lines.indexOf("options:") + 1, lines.findIndex((line) => line.startsWith("docs: ")));
  assert.ok(lines.includes("options:") && optionLines.length > 0, `${name}: no options block\n${text}`);
  for (const option of lines[0].match(/--[a-z][\w-]*/g) ?? []) {
    assert.equal(optionLines.filter((line) => new RegExp(`^  (-\\w, )?${option}\\b`).test(line)).length, 1, `${name}: ${option} has no line of its own\n${text}`);
  }
  assert.ok(optionLines.some((line) => /^ {2}-h, --help +print this help and exit$/.test(line)), `${name}: no -h, --help line`);
  const doc = /^docs: (docs\/[\w-]+\.md)$/.exec(lines[lines.length - 1])?.[1];
  assert.ok(doc && fs.existsSync(path.join(PROJECT_ROOT, doc)), `${name}: last line must name an existing docs page, is '${lines[lines.length - 1]}'`);
}

describe("every command in scripts/ answers --help and -h, and refuses an unknown option with its usage", () => {
  const all = commands();

  it("finds the commands in package.json", () => {
    assert.deepEqual(all.map(({ name }) => name).sort(), ["bench:rules", "ci-identity", "cluster", "history", "images", "lint-manifests", "lint:dockerfile", "new-service", "render", "rollback", "sizing", "test:sbom", "test:secrets"]);
  });

  for (const { name, script } of commands()) {
    // -h is the same option to the shared parser (tested below); one spawn per form keeps this suite short.
    it(`${name}: --help prints the usage and exits 0; --no-such-option prints the error and the usage and exits 2`, () => {
      const run = runScript(script, ["--help"]);
      assert.equal(run.status, 0, `${name} --help: ${run.stderr}`);
      assertUsage(run.stdout.trimEnd(), name);
      assert.equal(run.stderr, "");
      const wrong = runScript(script, ["--no-such-option"]);
      assert.equal(wrong.status, 2, `${name}: ${wrong.stderr}`);
      const [error, blank, ...usage] = wrong.stderr.trimEnd().split("\n");
      assert.match(error, new RegExp(`^${name}: Unknown option '--no-such-option'`));
      assert.equal(blank, "");
      assertUsage(usage.join("\n"), name);
      assert.equal(wrong.stdout, "");
    });
  }
});

describe("the shared usage module (scripts/lib/usage.ts)", () => {
  const spec = defineCommand({
    command: "npm run example --",
    summary: "An example.",
    doc: "docs/sizing.md",
    options: {
      stack: { type: "string", value: "NAME", required: true, multiple: true, help: "a stack" },
      runs: { type: "string", value: "N", default: "9", help: "how many" },
      yes: { type: "boolean", help: "do not ask" },
    },
    positionals: { synopsis: "<name>", help: "the name", count: 1 },
  });

  it("builds the usage from the option table: synopsis, one aligned line per option with its notes, the docs page", () => {
    assert.equal(
      usageText(spec),
      [
        "usage: npm run example -- <name> --stack NAME... [--runs N] [--yes]",
        "",
        "An example.",
        "",
        "options:",
        "  <name>        the name",
        "  --stack NAME  a stack (repeatable)",
        "  --runs N      how many (default 9)",
        "  --yes         do not ask",
        "  -h, --help    print this help and exit",
        "",
        "docs: docs/sizing.md",
      ].join("\n"),
    );
  });

  it("answers -h and --help alike, before any other problem on the line, but not after --", () => {
    for (const flag of ["-h", "--help"]) assert.deepEqual(parseCommandLine(spec, ["--bogus", flag]), { kind: "help", text: usageText(spec) });
    assert.equal(parseCommandLine(spec, ["x", "--stack", "s", "--", "--help"]).kind, "error");
  });

  it("reports an unknown option, a missing required option and a wrong number of arguments, each with the usage", () => {
    const cases: [string[], RegExp][] = [
      [["x", "--stack", "s", "--bogus"], /^example: Unknown option '--bogus'/],
      [["x"], /^example: --stack is required\n\nusage: /],
      [["--stack", "s"], /^example: expected <name>, got nothing\n\nusage: /],
      [["x", "y", "--stack", "s"], /^example: expected <name>, got 'x' 'y'\n\nusage: /],
    ];
    for (const [args, message] of cases) {
      const line = parseCommandLine(spec, args);
      assert.equal(line.kind, "error", args.join(" "));
      assert.ok(line.kind === "error" && message.test(line.text) && line.text.endsWith(usageText(spec)), line.kind === "error" ? line.text : "");
    }
  });

  it("returns the typed values and positionals of a good line", () => {
    const line = parseCommandLine(spec, ["orders", "--stack", "a", "--stack", "b", "--yes"]);
    assert.ok(line.kind === "run");
    assert.deepEqual({ values: { ...line.values }, positionals: line.positionals }, { values: { stack: ["a", "b"], runs: "9", yes: true }, positionals: ["orders"] });
  });
});
