import { selectorLabels } from "./k8s/labels";
import type { PodPeer } from "./k8s/network";

/**
 * Where a workload's pods live and how they are selected: its namespace and its name label. The one place
 * this is decided, for configured services (their own namespace, else the shared apps one) and for the
 * platform's systems alike, so the NetworkPolicies, the scrape targets and the wiring always agree.
 */
export function placement(name: string, namespace: string): PodPeer {
  return { namespace, podLabels: selectorLabels(name) };
}

/** A configured service's placement: the namespace it names for itself, else the shared apps namespace. */
export function servicePlacement(name: string, service: { namespace?: string }, appsNamespace: string): PodPeer {
  return placement(name, service.namespace ?? appsNamespace);
}
