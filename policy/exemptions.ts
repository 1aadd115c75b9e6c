import { type KubernetesObject, annotationsOf } from "./kubernetes";

/**
 * A justified exemption is an annotation on the object itself, `blueprint.io/policy-exemption.<policy>`,
 * whose value is the reason. It travels with the object, shows in every render and diff, and is listed in
 * docs/policy.md — never a silent skip.
 */
export const EXEMPTION_PREFIX = "blueprint.io/policy-exemption.";

export function exemptionAnnotation(policy: string): string {
  return `${EXEMPTION_PREFIX}${policy}`;
}

/**
 * Annotations that predate the pack and state the same exemption. The Pod Security one is what the
 * workload builders already write next to a pod that cannot be "restricted" (components/k8s/namespace.ts
 * and the Vector agent), so a reason is written once and both the tests and the pack honour it.
 */
export const EXEMPTION_ALIASES: Readonly<Record<string, string>> = { "pod-security-restricted": "blueprint.io/pod-security-exemption" };

/** The stated reason when the object is exempt from the policy; undefined when it is not (or gave none). */
export function exemptionReason(object: KubernetesObject, policy: string): string | undefined {
  const keys = [exemptionAnnotation(policy), EXEMPTION_ALIASES[policy]].filter((key): key is string => key !== undefined);
  const reasons = keys.map((key) => annotationsOf(object)[key]).filter((reason): reason is string => typeof reason === "string" && reason.trim() !== "");
  return reasons[0]?.trim();
}

export interface Exemption {
  policy: string;
  object: KubernetesObject;
  reason: string;
}

/** Every exemption annotation on the object, well-formed or not: the policy name and the raw reason. */
export function exemptionAnnotationsOf(object: KubernetesObject): { policy: string; reason: unknown }[] {
  return Object.entries(annotationsOf(object))
    .filter(([key]) => key.startsWith(EXEMPTION_PREFIX))
    .map(([key, reason]) => ({ policy: key.slice(EXEMPTION_PREFIX.length), reason }));
}

/**
 * An exemption must name a policy that exists and give a reason: a typo would otherwise look like an
 * exemption in review while exempting nothing, and an empty reason is the silent skip this forbids.
 */
export function malformedExemptions(object: KubernetesObject, knownPolicies: ReadonlySet<string>): string[] {
  return exemptionAnnotationsOf(object).flatMap(({ policy, reason }) => {
    const problems: string[] = [];
    if (!knownPolicies.has(policy)) problems.push(`annotation '${exemptionAnnotation(policy)}' names no policy of this pack (known: ${[...knownPolicies].join(", ")})`);
    if (typeof reason !== "string" || reason.trim() === "") problems.push(`annotation '${exemptionAnnotation(policy)}' must give the reason for the exemption`);
    return problems;
  });
}
