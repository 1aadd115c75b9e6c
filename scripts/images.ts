/**
 * Prints every image reference the platform pins, one per line: the platform's images (components/images.ts),
 * then the Dockerfile's BuildKit frontend and base image. Each must read `name:tag@sha256:<64 hex>`; any that
 * lacks its tag or digest is named on stderr and the command exits 1, printing nothing. CI pipes the list to
 * `docker buildx imagetools inspect` to prove every digest resolves.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PLATFORM_IMAGES, hasDigest, imageReference, imageTag } from "../components/images";
import { PROJECT_ROOT } from "./lib/stackFile";
import { commandLine, defineCommand } from "./lib/usage";
import { SERVICE_DOCKERFILE } from "./lint-dockerfile";

const DEFAULT_DOCKERFILE = path.relative(PROJECT_ROOT, SERVICE_DOCKERFILE);

export const IMAGES_COMMAND = defineCommand({
  command: "npm run images --",
  summary: "Prints every image the platform pins (name:tag@sha256:<digest>), and fails naming any without a tag or digest.",
  doc: "docs/policy.md",
  options: {
    dockerfile: { type: "string", value: "FILE", default: DEFAULT_DOCKERFILE, help: "the service's Dockerfile whose frontend and base image are listed" },
  },
});

export interface PinnedImage {
  /** Where the reference is written, for the refusal. */
  where: string;
  reference: string;
}

/**
 * The images a Dockerfile pins: its `# syntax=` frontend, and what each FROM names: an image, or a variable
 * whose ARG default is one (reported at the ARG's line, where the pin is written). A FROM of an earlier stage
 * names no image.
 */
export function dockerfileImages(text: string, file: string): PinnedImage[] {
  const images: PinnedImage[] = [];
  const stages = new Set<string>();
  const args = new Map<string, PinnedImage>();
  const seen = new Set<PinnedImage>();
  text.split("\n").forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    const syntax = /^#\s*syntax=(\S+)\s*$/.exec(line);
    if (syntax && index === 0) images.push({ where, reference: syntax[1] });
    const arg = /^ARG\s+(\w+)=["']?([^"'\s]+)["']?\s*$/.exec(line);
    if (arg) args.set(arg[1], { where: `${where} (${arg[1]})`, reference: arg[2] });
    // FROM [--platform=…] <image> [AS <stage>]
    const [keyword, ...words] = line.trim().split(/\s+/);
    if (keyword?.toUpperCase() !== "FROM") return;
    const [image, as, stage] = words.filter((word) => !word.startsWith("--"));
    if (!image) return;
    const variable = /^\$\{?(\w+)\}?$/.exec(image);
    // A variable without a default pins nothing: the refusal shows it as written.
    const named = variable ? (args.get(variable[1]) ?? { where, reference: image }) : stages.has(image) ? undefined : { where, reference: image };
    if (named && !seen.has(named)) images.push(named);
    if (named) seen.add(named);
    if (as?.toUpperCase() === "AS" && stage) stages.add(stage);
  });
  return images;
}

/** Why a reference is not `name:tag@sha256:<64 hex>`, or undefined when it is. */
export function pinProblem(reference: string): string | undefined {
  const missing = [imageTag(reference) !== undefined ? undefined : "tag", hasDigest(reference) ? undefined : "digest"].filter(Boolean);
  return missing.length === 0 ? undefined : `'${reference}' has no ${missing.join(" and no ")}`;
}

/** Every pinned reference, platform images first; the refusals name the place and what is missing. */
export function pinnedImages(dockerfile: PinnedImage[]): { references: string[]; problems: string[] } {
  const platform = Object.entries(PLATFORM_IMAGES).map(([key, image]) => ({ where: `components/images.ts (${key})`, reference: imageReference(image) }));
  const all = [...platform, ...dockerfile];
  const problems = all.flatMap(({ where, reference }) => {
    const problem = pinProblem(reference);
    return problem ? [`${where}: ${problem}`] : [];
  });
  return { references: all.map(({ reference }) => reference), problems };
}

if (require.main === module) {
  const { values } = commandLine(IMAGES_COMMAND);
  const file = values.dockerfile ?? DEFAULT_DOCKERFILE;
  const absolute = path.resolve(PROJECT_ROOT, file);
  if (!fs.existsSync(absolute)) {
    console.error(`images: no Dockerfile at ${file}`);
    process.exit(1);
  }
  const { references, problems } = pinnedImages(dockerfileImages(fs.readFileSync(absolute, "utf8"), file));
  if (problems.length > 0) {
    console.error(`images: every image must read name:tag@sha256:<64 hex>; ${problems.length} do not:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
    process.exit(1);
  }
  console.log(references.join("\n"));
}
