import { type BlueprintPolicy, EXEMPTIONS_POLICY_NAME, type ObjectPolicy, POLICIES, POLICY_NAMES, type StackPolicy } from "./catalog";
import { type Exemption, exemptionReason, malformedExemptions } from "./exemptions";
import type { KubernetesObject } from "./kubernetes";
import type { Finding, PolicyContext } from "./types";

export interface Violation extends Finding {
  policy: string;
}

/** What one policy concluded: the violations, and the exemptions that set findings aside (each object once). */
export interface Judgement {
  violations: Finding[];
  exempted: Exemption[];
}

function split(policy: string, findings: Finding[]): Judgement {
  const violations: Finding[] = [];
  const exempted = new Map<KubernetesObject, Exemption>();
  for (const finding of findings) {
    const reason = exemptionReason(finding.object, policy);
    if (reason === undefined) violations.push(finding);
    else exempted.set(finding.object, { policy, object: finding.object, reason });
  }
  return { violations, exempted: [...exempted.values()] };
}

/** An object policy on one object; findings on an object that carries a justified exemption are set aside. */
export function judgeObject(policy: ObjectPolicy, object: KubernetesObject, context: PolicyContext): Judgement {
  return split(
    policy.name,
    policy.check(object, context).map((message) => ({ object, message })),
  );
}

/** A stack policy over all objects; findings pinned to an object with a justified exemption are set aside. */
export function judgeStack(policy: StackPolicy, objects: KubernetesObject[], context: PolicyContext): Judgement {
  return split(policy.name, policy.check(objects, context));
}

export function exemptionProblems(object: KubernetesObject): string[] {
  return malformedExemptions(object, POLICY_NAMES);
}

function judge(policy: BlueprintPolicy, objects: KubernetesObject[], context: PolicyContext): Judgement {
  if (policy.scope === "stack") return judgeStack(policy, objects, context);
  const each = objects.map((object) => judgeObject(policy, object, context));
  return { violations: each.flatMap((one) => one.violations), exempted: each.flatMap((one) => one.exempted) };
}

export interface PackResult {
  violations: Violation[];
  /** The exemptions in force: each one set a real finding aside. docs/policy.md must list them. */
  exemptions: Exemption[];
}

/** Every mandatory policy over every object, exactly as the pack applies them: no violations means compliant. */
export function evaluatePolicies(objects: KubernetesObject[], context: PolicyContext): PackResult {
  const judged = POLICIES.map((policy) => ({ policy: policy.name, ...judge(policy, objects, context) }));
  const malformed = objects.flatMap((object) => exemptionProblems(object).map((message) => ({ policy: EXEMPTIONS_POLICY_NAME, object, message })));
  return {
    violations: [...judged.flatMap(({ policy, violations }) => violations.map((finding) => ({ policy, ...finding }))), ...malformed],
    exemptions: judged.flatMap(({ exempted }) => exempted),
  };
}
