import * as fs from "node:fs";
import parseSpdx from "spdx-expression-parse";
import { z } from "zod";

/**
 * The license gate over a CycloneDX SBOM: every component's declared licenses must be an SPDX expression the
 * allow-list (scripts/licenses.json) satisfies. Pure but for loadLicensePolicy, so it is tested on hand-made SBOMs.
 */

const PACKAGE_ID = /^(?:@[^/@]+\/[^/@]+|[^/@]+)@[^@]+$/;

/** Copyleft families kept out of the allow-list whatever it says: the service image must not ship them. */
const COPYLEFT = /^(A|L)?GPL-/;

const policySchema = z.strictObject({
  allowed: z.record(z.string(), z.string().min(1, "give a one-line reason")),
  packages: z.record(z.string(), z.strictObject({ license: z.string().min(1), reason: z.string().min(1, "give a one-line reason") })),
});

/** SPDX ids allowed, each with its reason, and per package@version the license read by hand where the declared one is no SPDX expression. */
export type LicensePolicy = z.infer<typeof policySchema>;

export function parseLicensePolicy(data: unknown, source: string): LicensePolicy {
  const parsed = policySchema.safeParse(data);
  if (!parsed.success) throw new Error(`${source}: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
  for (const id of Object.keys(parsed.data.allowed)) {
    if (COPYLEFT.test(id)) throw new Error(`${source}: allowed.${id}: GPL, LGPL and AGPL licenses cannot be allowed`);
    const tree = parseSpdx(id);
    if (!("license" in tree) || tree.license !== id) throw new Error(`${source}: allowed.${id}: expected a single SPDX license id`);
  }
  for (const id of Object.keys(parsed.data.packages)) {
    if (!PACKAGE_ID.test(id)) throw new Error(`${source}: packages.${id}: expected name@version, as the SBOM names the component`);
  }
  return parsed.data;
}

export function loadLicensePolicy(file: string): LicensePolicy {
  return parseLicensePolicy(JSON.parse(fs.readFileSync(file, "utf8")), file);
}

/**
 * Whether an SPDX expression is satisfied by the allowed ids: OR needs one allowed branch, AND needs both,
 * and `X WITH exception` is X's (an exception only adds permissions). Throws on text that is no SPDX expression.
 */
export function expressionAllowed(expression: string, allowed: ReadonlySet<string>): boolean {
  const satisfied = (node: ReturnType<typeof parseSpdx>): boolean => {
    if ("license" in node) return allowed.has(node.license);
    return node.conjunction === "or" ? satisfied(node.left) || satisfied(node.right) : satisfied(node.left) && satisfied(node.right);
  };
  return satisfied(parseSpdx(expression));
}

/** The parts of a CycloneDX JSON component the gate reads. */
export interface SbomComponent {
  group?: string;
  name: string;
  version?: string;
  licenses?: ({ license: { id?: string; name?: string } } | { expression: string })[];
  components?: SbomComponent[];
}

export interface SbomDocument {
  components?: SbomComponent[];
}

export interface LicenseViolation {
  sbom: string;
  /** name@version, with the npm scope as npm writes it. */
  component: string;
  license: string;
  problem: string;
}

export function componentId(component: SbomComponent): string {
  return `${component.group ? `${component.group}/` : ""}${component.name}@${component.version ?? "?"}`;
}

/** Each declared license of a component as text: an SPDX id, an expression, or a free-text name. */
export function declaredLicenses(component: SbomComponent): string[] {
  return (component.licenses ?? []).map((entry) => ("expression" in entry ? entry.expression : (entry.license.id ?? entry.license.name ?? "")));
}

function* allComponents(components: SbomComponent[] = []): Generator<SbomComponent> {
  for (const component of components) {
    yield component;
    yield* allComponents(component.components);
  }
}

/** Every component (nested ones too) whose licenses the policy does not allow; each declared license must pass. */
export function licenseViolations(bom: SbomDocument, policy: LicensePolicy, sbom: string): LicenseViolation[] {
  const allowed = new Set(Object.keys(policy.allowed));
  const violations: LicenseViolation[] = [];
  for (const component of allComponents(bom.components)) {
    const id = componentId(component);
    const reviewed = policy.packages[id];
    const licenses = reviewed ? [reviewed.license] : declaredLicenses(component);
    if (licenses.length === 0) violations.push({ sbom, component: id, license: "(none)", problem: "declares no license" });
    for (const license of licenses) {
      let ok: boolean;
      try {
        ok = expressionAllowed(license, allowed);
      } catch {
        violations.push({ sbom, component: id, license, problem: "is no SPDX expression; read the package's license and record it under `packages`" });
        continue;
      }
      if (!ok) violations.push({ sbom, component: id, license, problem: "is not allowed" });
    }
  }
  return violations;
}

export function violationLine(violation: LicenseViolation): string {
  return `${violation.sbom}: ${violation.component}: license ${JSON.stringify(violation.license)} ${violation.problem}`;
}

/** Package@version entries of the policy no SBOM contains any more: stale reviews to remove. */
export function unusedReviews(policy: LicensePolicy, boms: SbomDocument[]): string[] {
  const present = new Set(boms.flatMap((bom) => [...allComponents(bom.components)].map(componentId)));
  return Object.keys(policy.packages).filter((id) => !present.has(id));
}
