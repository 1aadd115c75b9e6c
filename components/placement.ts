import { selectorLabels } from "./k8s/labels";

/**
 * Where a workload's pods live and how they are selected: its namespace and its name label. The one place
 * this is decided, for configured services (their own namespace, else the shared apps one) and for the
 * platform's systems alike, so the NetworkPolicies, the scrape targets and the wiring always agree.
 */
export interface Placement {
  namespace: string;
  podLabels: Record<string, string>;
}

export function placement(name: string, namespace: string): Placement {
  return { namespace, podLabels: selectorLabels(name) };
}

/** A configured service's placement: the namespace it names for itself, else the shared apps namespace. */
export function servicePlacement(name: string, service: { namespace?: string }, appsNamespace: string): Placement {
  return placement(name, service.namespace ?? appsNamespace);
}
