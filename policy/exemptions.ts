import { POLICY_CHECKER, exemptionKey, parseExemptionKey } from "../components/k8s/exemptionKeys";
import { type KubernetesObject, annotationsOf } from "./kubernetes";

/**
 * A justified exemption is an annotation on the object itself, `policy.exemption.blueprint.io/<policy>`
 * (the grammar every checker shares: components/k8s/exemptionKeys.ts), whose value is the reason. It travels
 * with the object, shows in every render and diff, and is listed in docs/policy.md — never a silent skip.
 * The workload builders write the `pod-security-restricted` one next to a pod that cannot be "restricted"
 * (the Vector agent and its namespace), so a reason is written once and both the tests and the pack honour it.
 */
export function exemptionAnnotation(policy: string): string {
  return exemptionKey(POLICY_CHECKER, policy);
}

/** The stated reason when the object is exempt from the policy; undefined when it is not (or gave none). */
export function exemptionReason(object: KubernetesObject, policy: string): string | undefined {
  const reasons = exemptionAnnotationsOf(object)
    .filter((exemption) => exemption.policy === policy)
    .map((exemption) => exemption.reason)
    .filter((reason): reason is string => typeof reason === "string" && reason.trim() !== "");
  return reasons[0]?.trim();
}

export interface Exemption {
  policy: string;
  object: KubernetesObject;
  reason: string;
}

/** Every policy exemption annotation on the object (earlier key grammars included), well-formed or not: its key, the policy name and the raw reason. */
export function exemptionAnnotationsOf(object: KubernetesObject): { key: string; policy: string; reason: unknown }[] {
  return Object.entries(annotationsOf(object)).flatMap(([key, reason]) => {
    const parsed = parseExemptionKey(key);
    return parsed?.checker === POLICY_CHECKER ? [{ key, policy: parsed.check, reason }] : [];
  });
}

/**
 * An exemption must name a policy that exists and give a reason: a typo would otherwise look like an
 * exemption in review while exempting nothing, and an empty reason is the silent skip this forbids.
 */
export function malformedExemptions(object: KubernetesObject, knownPolicies: ReadonlySet<string>): string[] {
  return exemptionAnnotationsOf(object).flatMap(({ key, policy, reason }) => {
    const problems: string[] = [];
    if (!knownPolicies.has(policy)) problems.push(`annotation '${key}' names no policy of this pack (known: ${[...knownPolicies].join(", ")})`);
    if (typeof reason !== "string" || reason.trim() === "") problems.push(`annotation '${key}' must give the reason for the exemption`);
    return problems;
  });
}
