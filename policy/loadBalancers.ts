import { type KubernetesObject, annotationsOf, specOf } from "./kubernetes";

/** The opt-in a Service of type LoadBalancer must carry; its value says why it needs a public address. */
export const ALLOW_LOAD_BALANCER = "blueprint.io/allow-load-balancer";

/**
 * A LoadBalancer Service gets a cloud load balancer, often with a public address, and bypasses the
 * Ingress controller's TLS and routing. It is allowed only with an annotation that gives the reason.
 */
export function unannotatedLoadBalancers(object: KubernetesObject): string[] {
  if (object.kind !== "Service" || specOf(object).type !== "LoadBalancer") return [];
  const reason = annotationsOf(object)[ALLOW_LOAD_BALANCER];
  if (typeof reason === "string" && reason.trim() !== "") return [];
  return [`type LoadBalancer needs the annotation '${ALLOW_LOAD_BALANCER}: <reason>' (or use the Ingress)`];
}
