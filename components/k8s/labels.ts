export const PART_OF = "production-blueprint";

/** The one label a workload's pods are selected by; every selector, peer and spread constraint uses it. */
export const NAME_LABEL = "app.kubernetes.io/name";

/** The label that says what part of the platform a workload is. */
export const COMPONENT_LABEL = "app.kubernetes.io/component";

/** The component of a service's workload (ProductionService): the one whose image the stack config names. */
export const SERVICE_COMPONENT = "api";

/** Labels that select a workload's pods. Kept minimal because a Deployment's selector is immutable. */
export function selectorLabels(name: string): Record<string, string> {
  return { [NAME_LABEL]: name };
}

/** Labels for every object of a workload: the selector plus ownership metadata. */
export function standardLabels(name: string, component: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...selectorLabels(name),
    [COMPONENT_LABEL]: component,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
    ...extra,
  };
}

/**
 * The name of a cluster-scoped object (ClusterRole, binding) that belongs to a workload in `namespace`. The
 * namespace is part of it, so two stacks sharing a cluster (staging's and a preview's, say) never overwrite
 * each other's objects.
 */
export function clusterScopedName(namespace: string, name: string): string {
  return `${namespace}-${name}`;
}
