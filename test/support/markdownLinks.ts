import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Markdown pages of the repository as data: its files, their headings' anchors and their relative links. */

export const ROOT = path.join(__dirname, "..", "..");

export const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");

/** The repository's files: tracked or new (not ignored), and present in the working tree. */
export function repositoryFiles(): string[] {
  const listing = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  return [...new Set(listing.split("\0").filter((file) => file !== "" && fs.existsSync(path.join(ROOT, file))))];
}

/** Every folder that holds a file, at any depth, each ending in "/". */
export function foldersOf(files: string[]): Set<string> {
  const folders = new Set<string>();
  for (const file of files) {
    const parts = file.split("/").slice(0, -1);
    parts.forEach((_, index) => folders.add(`${parts.slice(0, index + 1).join("/")}/`));
  }
  return folders;
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped (but `-` and `_`), spaces to `-`. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

export function anchorsOf(markdown: string): Set<string> {
  return new Set(withoutCodeBlocks(markdown).flatMap((text) => (/^#{1,6} /.test(text) ? [headingAnchor(text.replace(/^#+ /, ""))] : [])));
}

function withoutCodeBlocks(markdown: string): string[] {
  let inBlock = false;
  return markdown.split("\n").filter((text) => {
    if (text.startsWith("```")) inBlock = !inBlock;
    return !inBlock && !text.startsWith("```");
  });
}

/** Relative links of a page as `[file, anchor]`, file relative to the repository's root ("" for the page itself). */
export function relativeLinks(page: string, markdown: string): { target: string; file: string; anchor?: string }[] {
  const links = withoutCodeBlocks(markdown).flatMap((text) => [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]));
  return links
    .filter((target) => !/^[a-z]+:/.test(target))
    .map((target) => {
      const [file, anchor] = target.split("#");
      return { target, file: file === "" ? page : path.posix.join(path.posix.dirname(page), file), ...(anchor === undefined ? {} : { anchor }) };
    });
}


/**
 * Every relative link of `page` that points nowhere: a file that does not exist, or a heading the target page
 * does not have. `files` and `folders` are the repository's (repositoryFiles, foldersOf).
 */
export function brokenLinks(page: string, files: string[], folders: Set<string>): string[] {
  const broken: string[] = [];
  for (const { target, file, anchor } of relativeLinks(page, read(page))) {
    if (!files.includes(file) && !folders.has(`${file.replace(/\/$/, "")}/`)) broken.push(`${page} -> ${target} (no such file)`);
    else if (anchor !== undefined && file.endsWith(".md") && !anchorsOf(read(file)).has(anchor)) broken.push(`${page} -> ${target} (no such heading)`);
  }
  return broken;
}
