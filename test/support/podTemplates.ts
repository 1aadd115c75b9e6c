import type { KubernetesObject } from "./runs";

type PodSpec = Record<string, any>;

/** Every pod spec an object will create: Pods, and the templates of workload controllers. */
export function podSpecsOf(object: KubernetesObject): PodSpec[] {
  const spec = object.spec as Record<string, any> | undefined;
  switch (object.kind) {
    case "Pod":
      return spec ? [spec] : [];
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return spec?.template?.spec ? [spec.template.spec] : [];
    case "CronJob":
      return spec?.jobTemplate?.spec?.template?.spec ? [spec.jobTemplate.spec.template.spec] : [];
    default:
      return [];
  }
}
