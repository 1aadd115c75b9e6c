import { type KubernetesObject, containersOf, podSpecOf } from "./kubernetes";

const REQUIRED = [
  ["requests", "cpu"],
  ["requests", "memory"],
  ["limits", "cpu"],
  ["limits", "memory"],
] as const;

/**
 * Every container, init containers included, requests CPU and memory (so the scheduler places it
 * honestly) and limits them (so one pod cannot starve its node).
 */
export function missingRequestsAndLimits(object: KubernetesObject): string[] {
  const podSpec = podSpecOf(object);
  if (!podSpec) return [];
  return containersOf(podSpec, "all").flatMap((container) => {
    const missing = REQUIRED.filter(([list, resource]) => container.resources?.[list]?.[resource] == null).map(([list, resource]) => `${list}.${resource}`);
    return missing.length ? [`container '${container.name}' has no resources.${missing.join(", resources.")}`] : [];
  });
}
