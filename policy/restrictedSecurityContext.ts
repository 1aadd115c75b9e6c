import { restrictedViolations } from "./checks/podSecurity";
import { type KubernetesObject, podSpecOf } from "./kubernetes";

/** Every pod an object creates meets the Pod Security Standard "restricted" (rules in checks/podSecurity.ts). */
export function securityContextViolations(object: KubernetesObject): string[] {
  const podSpec = podSpecOf(object);
  return podSpec ? restrictedViolations(podSpec) : [];
}
