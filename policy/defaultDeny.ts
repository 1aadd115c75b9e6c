import { type Fields, type KubernetesObject, podTemplateOf, specOf } from "./kubernetes";
import type { Finding } from "./types";

function isEmptySelector(selector: Fields | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;
}

/** A NetworkPolicy that selects every pod in its namespace and allows nothing, in both directions. */
export function isDefaultDeny(policy: KubernetesObject): boolean {
  if (policy.kind !== "NetworkPolicy") return false;
  const spec = specOf(policy);
  const types: unknown[] = spec.policyTypes ?? [];
  return (
    isEmptySelector(spec.podSelector) &&
    types.includes("Ingress") &&
    types.includes("Egress") &&
    (spec.ingress ?? []).length === 0 &&
    (spec.egress ?? []).length === 0
  );
}

/**
 * Every namespace the stack declares or runs pods in has a default-deny NetworkPolicy, so each allowed
 * flow is one that a policy names. A namespace the stack only uses gets a stand-in Namespace object in
 * the finding; the fix (or the exemption) belongs on a declared Namespace.
 */
export function namespacesWithoutDefaultDeny(objects: KubernetesObject[]): Finding[] {
  const declared = new Map(objects.filter((object) => object.kind === "Namespace").map((object) => [object.metadata.name, object]));
  const withPods = objects.filter((object) => podTemplateOf(object) !== undefined).map((object) => object.metadata.namespace ?? "default");
  const covered = new Set(objects.filter(isDefaultDeny).map((policy) => policy.metadata.namespace ?? "default"));
  const namespaces = [...new Set([...declared.keys(), ...withPods])].sort();
  return namespaces
    .filter((namespace) => !covered.has(namespace))
    .map((namespace) => ({
      object: declared.get(namespace) ?? { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
      message: `namespace '${namespace}' has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)`,
    }));
}
