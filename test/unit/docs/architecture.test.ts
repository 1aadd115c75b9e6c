import * as assert from "node:assert/strict";
import { anchorsOf, brokenLinks, foldersOf, read, relativeLinks, repositoryFiles } from "../../support/markdownLinks";

const PAGE = "docs/architecture.md";
const SOURCE_TREE = "Source tree";
/** Folders whose every direct subfolder the source tree must list; "" is the repository's root. */
const LISTED_IN_FULL = ["", "components/", "components/observability/", "test/", "test/unit/", "toolchain/"];

interface NumberedLine {
  line: number;
  text: string;
}

/** One path of the source tree: a folder ends in "/"; `line` is its line in the page, for messages. */
interface TreeEntry {
  line: number;
  path: string;
}

/** The lines of the first fenced code block under the heading `## <heading>`, numbered as in the page. */
function sectionCodeBlock(markdown: string, heading: string): NumberedLine[] {
  const lines = markdown.split("\n");
  const start = lines.indexOf(`## ${heading}`);
  assert.notEqual(start, -1, `${PAGE} has no heading "## ${heading}"`);
  const open = lines.findIndex((text, index) => index > start && text.startsWith("```"));
  const nextHeading = lines.findIndex((text, index) => index > start && text.startsWith("## "));
  assert.ok(open !== -1 && (nextHeading === -1 || open < nextHeading), `${PAGE}, "${heading}": no code block in the section`);
  const close = lines.findIndex((text, index) => index > open && text.startsWith("```"));
  assert.notEqual(close, -1, `${PAGE}, "${heading}": the code block is never closed`);
  return lines.slice(open + 1, close).map((text, index) => ({ line: open + 2 + index, text }));
}

/**
 * The tree's format: one path a line, indented two spaces per level under the folder it is in, then two or
 * more spaces and a description (optional). A folder ends in "/"; a path may have several segments
 * (`actions/pulumi-setup/`). Every path resolves against the folders above it, so nothing is guessed.
 */
function parseSourceTree(lines: NumberedLine[]): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const folders: string[] = [];
  for (const { line, text } of lines) {
    if (text.trim() === "") continue;
    const match = /^( *)(\S+)(?: {2,}\S.*)?$/.exec(text);
    const where = `${PAGE} line ${line} ("${text.trim()}")`;
    assert.ok(match, `${where}: expected a path, then two or more spaces before its description`);
    const [, indent, name] = match;
    assert.equal(indent.length % 2, 0, `${where}: indent by two spaces a level`);
    const depth = indent.length / 2;
    assert.ok(depth <= folders.length, `${where}: indented deeper than a folder above it`);
    assert.ok(!name.startsWith("/") && !name.split("/").includes(".."), `${where}: paths are relative to the folder above them`);
    folders.length = depth;
    const entry = `${folders.join("")}${name}`;
    entries.push({ line, path: entry });
    if (entry.endsWith("/")) folders.push(name);
  }
  return entries;
}


describe("docs/architecture.md against the repository", () => {
  let files: string[];
  let folders: Set<string>;

  before(() => {
    files = repositoryFiles();
    folders = foldersOf(files);
  });

  it("reads the source tree's format: paths nested under their folders, descriptions after two spaces", () => {
    const tree = parseSourceTree(
      ["a.ts  top", "lib/  a folder", "  b.ts  in it", "  deep/", "    c.ts", "  x/y/  two segments", "    z.ts", "d.ts"].map((text, index) => ({ line: index + 1, text })),
    );
    assert.deepEqual(
      tree.map((entry) => entry.path),
      ["a.ts", "lib/", "lib/b.ts", "lib/deep/", "lib/deep/c.ts", "lib/x/y/", "lib/x/y/z.ts", "d.ts"],
    );
    assert.throws(() => parseSourceTree([{ line: 1, text: "a.ts one space" }]), /line 1 \("a.ts one space"\): expected a path, then two or more spaces/);
    assert.throws(() => parseSourceTree([{ line: 1, text: "a.ts" }, { line: 2, text: "  b.ts" }]), /line 2 \("b.ts"\): indented deeper than a folder above it/);
    assert.throws(() => parseSourceTree([{ line: 3, text: "   b.ts" }]), /line 3 \("b.ts"\): indent by two spaces a level/);
  });

  it("names only files and folders that exist", () => {
    const stale = parseSourceTree(sectionCodeBlock(read(PAGE), SOURCE_TREE))
      .filter((entry) => (entry.path.endsWith("/") ? !folders.has(entry.path) : !files.includes(entry.path)))
      .map((entry) => `${entry.path} (line ${entry.line})`);
    assert.deepEqual(stale, [], `${PAGE}, "${SOURCE_TREE}" names paths the repository does not have: ${stale.join(", ")}`);
  });

  it("lists every top-level folder, and every folder directly under components/, components/observability/, test/, test/unit/ and toolchain/", () => {
    const listed = new Set(parseSourceTree(sectionCodeBlock(read(PAGE), SOURCE_TREE)).map((entry) => entry.path));
    const required = [...folders].filter((folder) => LISTED_IN_FULL.some((parent) => folder.startsWith(parent) && !folder.slice(parent.length, -1).includes("/")));
    const missing = required.filter((folder) => !listed.has(folder)).sort();
    assert.ok(required.includes("components/observability/jaeger/"), "the required folders were found");
    assert.deepEqual(missing, [], `${PAGE}, "${SOURCE_TREE}" does not list: ${missing.join(", ")}`);
  });

  it("links to files and headings that exist, and every link into it names one of its headings", () => {
    const broken = brokenLinks(PAGE, files, folders);
    const markdownFiles = files.filter((file) => file.endsWith(".md"));
    const pageAnchors = anchorsOf(read(PAGE));
    for (const page of markdownFiles.filter((file) => file !== PAGE)) {
      for (const { target, file, anchor } of relativeLinks(page, read(page))) {
        if (file === PAGE && anchor !== undefined && !pageAnchors.has(anchor)) broken.push(`${page} -> ${target} (no such heading)`);
      }
    }
    assert.deepEqual(broken, [], `broken links: ${broken.join(", ")}`);
  });
});
