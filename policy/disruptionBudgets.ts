import { type Fields, type KubernetesObject, podTemplateOf, specOf } from "./kubernetes";
import type { Finding } from "./types";

/** Kinds a PodDisruptionBudget protects through their replicas. */
const REPLICATED_KINDS = new Set(["Deployment", "StatefulSet", "ReplicaSet"]);

function sameNamespace(a: KubernetesObject, b: KubernetesObject): boolean {
  return (a.metadata.namespace ?? "default") === (b.metadata.namespace ?? "default");
}

/** Label-selector semantics (matchLabels and matchExpressions), as the API server applies them: null selects nothing. */
export function selectorMatches(selector: Fields | undefined, labels: Record<string, string>): boolean {
  if (selector == null) return false;
  const matchLabels: Record<string, string> = selector.matchLabels ?? {};
  const expressions: Fields[] = selector.matchExpressions ?? [];
  return (
    Object.entries(matchLabels).every(([key, value]) => labels[key] === value) &&
    expressions.every(({ key, operator, values = [] }) => {
      switch (operator) {
        case "In":
          return key in labels && values.includes(labels[key]);
        case "NotIn":
          return !(key in labels) || !values.includes(labels[key]);
        case "Exists":
          return key in labels;
        case "DoesNotExist":
          return !(key in labels);
        default:
          return false;
      }
    })
  );
}

/** The replica floor: an autoscaler's minReplicas when one targets the workload, else spec.replicas (default 1). */
export function replicaFloor(workload: KubernetesObject, objects: KubernetesObject[]): number {
  const hpa = objects.find((object) => {
    const target = specOf(object).scaleTargetRef;
    return object.kind === "HorizontalPodAutoscaler" && sameNamespace(object, workload) && target?.kind === workload.kind && target?.name === workload.metadata.name;
  });
  const replicas = hpa ? specOf(hpa).minReplicas : specOf(workload).replicas;
  return typeof replicas === "number" ? replicas : 1;
}

/** A budget that can never allow an eviction blocks node drains forever, which is no better than none. */
function blocksEveryEviction(budget: KubernetesObject, replicas: number): boolean {
  const { maxUnavailable, minAvailable } = specOf(budget);
  if (maxUnavailable === 0 || maxUnavailable === "0%") return true;
  return minAvailable === "100%" || (typeof minAvailable === "number" && minAvailable >= replicas);
}

/**
 * Anything that runs more than one replica has a PodDisruptionBudget selecting its pods, so a node drain
 * or cluster upgrade never takes all of them at once — and the budget still lets one go at a time.
 */
export function replicatedWithoutDisruptionBudget(objects: KubernetesObject[]): Finding[] {
  const budgets = objects.filter((object) => object.kind === "PodDisruptionBudget");
  return objects
    .filter((object) => REPLICATED_KINDS.has(object.kind))
    .flatMap((workload): Finding[] => {
      const replicas = replicaFloor(workload, objects);
      if (replicas <= 1) return [];
      const labels: Record<string, string> = podTemplateOf(workload)?.metadata?.labels ?? {};
      const matching = budgets.filter((budget) => sameNamespace(budget, workload) && selectorMatches(specOf(budget).selector, labels));
      if (matching.length === 0) return [{ object: workload, message: `runs at least ${replicas} replicas but no PodDisruptionBudget selects its pods` }];
      return matching
        .filter((budget) => blocksEveryEviction(budget, replicas))
        .map((budget) => ({ object: workload, message: `PodDisruptionBudget '${budget.metadata.name}' never allows an eviction, which blocks node drains` }));
    });
}
