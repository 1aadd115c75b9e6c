export const PART_OF = "production-blueprint";

/** Labels that select a workload's pods. Kept minimal because a Deployment's selector is immutable. */
export function selectorLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": name };
}

/** Labels for every object of a workload: the selector plus ownership metadata. */
export function standardLabels(name: string, component: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...selectorLabels(name),
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
    ...extra,
  };
}
