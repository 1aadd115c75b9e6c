import { type KubernetesObject, LONG_RUNNING_KINDS, containersOf, podSpecOf } from "./kubernetes";

/**
 * Every main container of a long-running workload has a readiness probe (no traffic before it can serve)
 * and a liveness probe (restart when it hangs). Jobs run to completion and are not held to this.
 */
export function missingProbes(object: KubernetesObject): string[] {
  const podSpec = podSpecOf(object);
  if (!podSpec || !LONG_RUNNING_KINDS.has(object.kind)) return [];
  return containersOf(podSpec, "app").flatMap((container) =>
    (["readinessProbe", "livenessProbe"] as const)
      .filter((probe) => container[probe] == null)
      .map((probe) => `container '${container.name}' has no ${probe}`),
  );
}
