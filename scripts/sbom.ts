import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { type LicensePolicy, type SbomDocument, licenseViolations, loadLicensePolicy, unusedReviews, violationLine } from "./lib/licenses";
import { PROJECT_ROOT } from "./lib/stackFile";
import { commandLine, defineCommand, runCheck } from "./lib/usage";

/** The license allow-list: SPDX ids with a reason each, and packages whose license was read by hand. */
export const LICENSE_POLICY_FILE = path.join(PROJECT_ROOT, "scripts", "licenses.json");
export const SBOM_SPEC_VERSION = Spec.Version.v1dot6;

/** The two npm packages the project ships: the program `pulumi up` runs, and the service the image carries. */
export const SBOM_TARGETS = [
  { file: "program.cdx.json", projectDir: PROJECT_ROOT },
  { file: "app.cdx.json", projectDir: path.join(PROJECT_ROOT, "app") },
] as const;

export const SBOM_COMMAND = defineCommand({
  command: "npm run test:sbom --",
  summary: "Writes a CycloneDX SBOM of the program's and the app's production dependencies, validates each against the CycloneDX schema and fails on a component whose license scripts/licenses.json does not allow.",
  doc: "docs/manifest-checks.md",
  options: {
    out: { type: "string", value: "DIR", help: "write program.cdx.json and app.cdx.json to DIR (default: a temporary directory, removed afterwards)" },
  },
});

/** The cyclonedx-npm command line: production dependencies only (what `npm ci --omit=dev` installs), one flat list. */
export function cyclonedxArgs(projectDir: string, outFile: string): string[] {
  return [
    "--omit", "dev",
    "--flatten-components",
    "--output-reproducible",
    "--spec-version", SBOM_SPEC_VERSION,
    "--output-format", "JSON",
    "--output-file", outFile,
    path.join(projectDir, "package.json"),
  ];
}

/** Runs cyclonedx-npm over an installed npm project (it reads `npm ls`, so node_modules must be there). */
export function generateSbom(projectDir: string, outFile: string): void {
  const cli = path.join(path.dirname(require.resolve("@cyclonedx/cyclonedx-npm")), "bin", "cyclonedx-npm-cli.js");
  const run = spawnSync(process.execPath, [cli, ...cyclonedxArgs(projectDir, outFile)], { cwd: projectDir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw new Error(`could not run cyclonedx-npm: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`cyclonedx-npm failed on ${projectDir} (exit ${run.status}):\n${run.stderr.trim()}`);
}

/** Schema errors of a CycloneDX JSON SBOM, or null; the schemas ship inside @cyclonedx/cyclonedx-library. */
export async function schemaErrors(text: string): Promise<unknown> {
  return new Validation.JsonStrictValidator(SBOM_SPEC_VERSION).validate(text);
}

export interface SbomReport {
  file: string;
  components: number;
  problems: string[];
  bom: SbomDocument;
}

/** Validates one SBOM file and checks its licenses; problems name the SBOM, the package, its version and license. */
export async function checkSbomFile(file: string, policy: LicensePolicy): Promise<SbomReport> {
  const text = fs.readFileSync(file, "utf8");
  const name = path.basename(file);
  const invalid = await schemaErrors(text);
  const bom = JSON.parse(text) as SbomDocument;
  const problems = invalid === null ? [] : [`${name}: not a valid CycloneDX ${SBOM_SPEC_VERSION} document: ${JSON.stringify(invalid)}`];
  problems.push(...licenseViolations(bom, policy, name).map(violationLine));
  return { file, components: bom.components?.length ?? 0, problems, bom };
}

async function main(): Promise<number> {
  const { values } = commandLine(SBOM_COMMAND);
  const policy = loadLicensePolicy(LICENSE_POLICY_FILE);
  const outDir = values.out ? path.resolve(values.out) : fs.mkdtempSync(path.join(os.tmpdir(), "sbom-"));
  fs.mkdirSync(outDir, { recursive: true });
  const problems: string[] = [];
  try {
    const reports = [];
    for (const target of SBOM_TARGETS) {
      const file = path.join(outDir, target.file);
      generateSbom(target.projectDir, file);
      const report = await checkSbomFile(file, policy);
      console.log(`${target.file}: ${report.components} components, ${report.problems.length} problem(s)`);
      problems.push(...report.problems);
      reports.push(report);
    }
    const stale = unusedReviews(policy, reports.map((report) => report.bom));
    problems.push(...stale.map((id) => `${path.relative(PROJECT_ROOT, LICENSE_POLICY_FILE)}: packages.${id} is in no SBOM any more; remove it`));
  } finally {
    if (!values.out) fs.rmSync(outDir, { recursive: true, force: true });
  }
  for (const problem of problems) console.error(`FAIL ${problem}`);
  if (values.out) console.log(`SBOMs in ${outDir}`);
  console.log(problems.length ? `sbom: ${problems.length} problem(s)` : `sbom: every component's license is allowed by ${path.relative(PROJECT_ROOT, LICENSE_POLICY_FILE)}`);
  return problems.length ? 1 : 0;
}

if (require.main === module) runCheck("sbom", main);
