import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RENDER_MARKER, RenderRefused, writeRender } from "../../../scripts/lib/manifests";
import type { DeclaredResource } from "../../../scripts/lib/mocks";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import { runScript } from "../../support/commands";
import { copyProject } from "../../support/projectCopy";
import { stackRun } from "../../support/runs";

/** Every file under `dir` with its content, so a test can prove nothing changed. */
function tree(dir: string): Record<string, string> {
  return Object.fromEntries(
    fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).flatMap((entry) => {
      const file = path.join(dir, entry);
      return fs.statSync(file).isFile() ? [[entry, fs.readFileSync(file, "utf8")]] : [];
    }),
  );
}

describe("npm run render -- --out DIR (scripts/lib/manifests.ts writeRender)", () => {
  let scratch: string;
  let resources: DeclaredResource[];
  before(async () => (resources = (await stackRun("staging")).resources));
  beforeEach(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), "render-out-"))));
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const render = (dir: string, stack = "staging", list = resources) => writeRender(list, dir, { stack, projectRoot: PROJECT_ROOT });

  it("refuses a non-empty directory that is no earlier render, naming what is in the way, and loses nothing", () => {
    const out = path.join(scratch, "mine");
    fs.mkdirSync(path.join(out, "sub"), { recursive: true });
    fs.writeFileSync(path.join(out, "notes.txt"), "keep me");
    fs.writeFileSync(path.join(out, "sub", "more.txt"), "me too");
    const before = tree(out);
    assert.throws(() => render(out), (error: Error) => error instanceof RenderRefused && /is not empty and is not an earlier render \(no \.blueprint-render\); in the way: notes\.txt, sub$/.test(error.message));
    assert.deepEqual(tree(out), before);
    assert.deepEqual(fs.readdirSync(scratch), ["mine"], "no temporary directory left behind");
  });

  it("writes a new or empty directory with a marker naming the stack and its files", () => {
    const out = path.join(scratch, "new", "staging");
    const counts = render(out);
    const marker = JSON.parse(fs.readFileSync(path.join(out, RENDER_MARKER), "utf8")) as { stack: string; files: string[] };
    assert.equal(marker.stack, "staging");
    assert.deepEqual([...marker.files, RENDER_MARKER].sort(), fs.readdirSync(out).sort());
    assert.equal(marker.files.length, counts.objects + 1, "one file per object, plus resources.json");
    fs.mkdirSync(path.join(scratch, "empty"));
    render(path.join(scratch, "empty"));
    assert.ok(fs.existsSync(path.join(scratch, "empty", "resources.json")));
  });

  it("replaces an earlier render whole (files it no longer writes go), and leaves no temporary directory", () => {
    const out = path.join(scratch, "out");
    render(out);
    // An earlier render of a config that had one more object: its file is in the marker, and the new render lacks it.
    const gone = path.join(out, "configmap-apps-removed-since.yaml");
    fs.writeFileSync(gone, "kind: ConfigMap\n");
    const marker = JSON.parse(fs.readFileSync(path.join(out, RENDER_MARKER), "utf8")) as { files: string[] };
    fs.writeFileSync(path.join(out, RENDER_MARKER), JSON.stringify({ stack: "staging", files: [...marker.files, path.basename(gone)] }));
    render(out);
    assert.ok(!fs.existsSync(gone), "a file of the earlier render survived");
    assert.ok(fs.existsSync(path.join(out, "resources.json")));
    assert.deepEqual(fs.readdirSync(scratch), ["out"]);
  });

  it("refuses an earlier render that also holds a file no render wrote, and keeps it", () => {
    const out = path.join(scratch, "out");
    render(out);
    fs.writeFileSync(path.join(out, "my-patch.yaml"), "mine");
    const before = tree(out);
    assert.throws(() => render(out), /refusing to replace the earlier render of stack 'staging' in .*: it also holds files no render wrote, which replacing it would delete: my-patch\.yaml/);
    assert.deepEqual(tree(out), before);
  });

  it("replaces what the engine's renderYamlToDirectory wrote (0-crd/, 1-manifest/ of YAML files), but not once anything else is there", () => {
    const out = path.join(scratch, "local");
    fs.mkdirSync(path.join(out, "1-manifest"), { recursive: true });
    fs.mkdirSync(path.join(out, "0-crd"));
    fs.writeFileSync(path.join(out, "1-manifest", "v1-configmap-apps-items-api-config.yaml"), "kind: ConfigMap\n");
    const mixed = path.join(scratch, "mixed");
    fs.cpSync(out, mixed, { recursive: true });
    fs.writeFileSync(path.join(mixed, "1-manifest", "notes.txt"), "mine");
    render(out);
    assert.ok(fs.existsSync(path.join(out, RENDER_MARKER)) && !fs.existsSync(path.join(out, "1-manifest")));
    assert.throws(() => render(mixed), /is not empty and is not an earlier render \(no \.blueprint-render\); in the way: 0-crd, 1-manifest$/);
    assert.ok(fs.existsSync(path.join(mixed, "1-manifest", "notes.txt")));
  });

  it("keeps the earlier render as it was when the new one fails halfway", () => {
    const out = path.join(scratch, "out");
    render(out);
    const before = tree(out);
    const clash = resources.filter((resource) => resource.inputs.kind === "ConfigMap").slice(0, 1);
    assert.throws(() => render(out, "staging", [...resources, ...clash]), /Two objects render to configmap-/);
    assert.deepEqual(tree(out), before);
    assert.deepEqual(fs.readdirSync(scratch), ["out"], "the half-written render was not removed");
  });

  // In a copy of the project: were the refusal ever lost, `--out .` would replace the copy, not the checkout.
  it("the command refuses --out . (the checkout) and --out ~ (home) with a clear message, deleting nothing", () => {
    const copy = copyProject();
    try {
      const home = path.join(scratch, "home");
      fs.mkdirSync(home);
      fs.writeFileSync(path.join(home, ".profile"), "keep");
      const before = fs.readdirSync(copy.dir).sort();
      const inCheckout = runScript("render", ["--stack", "staging", "--out", "."], { cwd: copy.dir, env: { HOME: home } });
      assert.equal(inCheckout.status, 1);
      assert.equal(inCheckout.stderr.trim(), `render failed: refusing to render into ${copy.dir}: it is the project's checkout, and a render replaces its whole directory; pick a new directory such as rendered/offline/<stack>`);
      assert.deepEqual(fs.readdirSync(copy.dir).sort(), before);
      const inHome = runScript("render", ["--stack", "staging", "--out", home], { cwd: copy.dir, env: { HOME: home } });
      assert.equal(inHome.status, 1);
      assert.equal(inHome.stderr.trim(), `render failed: refusing to render into ${home}: it is your home directory, and a render replaces its whole directory; pick a new directory such as rendered/offline/<stack>`);
      assert.deepEqual(tree(home), { ".profile": "keep" });
    } finally {
      copy.remove();
    }
  });
});
