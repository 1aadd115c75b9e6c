import * as assert from "node:assert/strict";
import { brokenLinks, foldersOf, repositoryFiles } from "../../support/markdownLinks";

describe("the repository's Markdown pages", () => {
  it("link only to files and headings that exist", () => {
    const files = repositoryFiles();
    const folders = foldersOf(files);
    const pages = files.filter((file) => file.endsWith(".md"));
    assert.ok(pages.includes("README.md") && pages.includes("docs/slos.md"), "the pages were found");
    const broken = pages.flatMap((page) => brokenLinks(page, files, folders));
    assert.deepEqual(broken, [], `broken links: ${broken.join(", ")}`);
  });
});
