import { type KubernetesObject, specOf } from "./kubernetes";
import type { PolicyContext } from "./types";

export const PRODUCTION_MIN_REPLICAS = 2;

/**
 * In production an autoscaler never scales below two pods: one pod is a single point of failure during
 * a node drain, a rollout or a crash. minReplicas defaults to 1 when absent.
 */
export function productionHpaBelowMinimum(object: KubernetesObject, context: PolicyContext): string[] {
  if (object.kind !== "HorizontalPodAutoscaler" || context.environment !== "production") return [];
  const minReplicas = specOf(object).minReplicas ?? 1;
  if (typeof minReplicas !== "number" || minReplicas >= PRODUCTION_MIN_REPLICAS) return [];
  return [`minReplicas is ${minReplicas}; production needs at least ${PRODUCTION_MIN_REPLICAS}`];
}
