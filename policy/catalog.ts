import { namespacesWithoutDefaultDeny } from "./defaultDeny";
import { replicatedWithoutDisruptionBudget } from "./disruptionBudgets";
import { productionHpaBelowMinimum } from "./hpaMinimum";
import { IMAGE_DIGEST_POLICY, imagesWithoutDigest } from "./imageDigests";
import { unpinnedImages } from "./imageTags";
import type { KubernetesObject } from "./kubernetes";
import { literalCredentials } from "./literalCredentials";
import { unannotatedLoadBalancers } from "./loadBalancers";
import { missingProbes } from "./probes";
import { missingRequestsAndLimits } from "./requestsAndLimits";
import { securityContextViolations } from "./restrictedSecurityContext";
import type { Finding, PolicyContext } from "./types";

interface PolicyInfo {
  /** Policy name: what `pulumi preview` prints and what an exemption annotation names. */
  name: string;
  description: string;
}

/** Judged one object at a time: runs before each resource is created or updated. */
export interface ObjectPolicy extends PolicyInfo {
  scope: "object";
  check(object: KubernetesObject, context: PolicyContext): string[];
}

/**
 * Judged over every object of the stack: needs other objects (a NetworkPolicy for a namespace, a PDB for
 * a Deployment) or the stack's record of where a value came from (literal credentials).
 */
export interface StackPolicy extends PolicyInfo {
  scope: "stack";
  check(objects: KubernetesObject[], context: PolicyContext): Finding[];
}

export type BlueprintPolicy = ObjectPolicy | StackPolicy;

function eachObject(check: (object: KubernetesObject) => string[]): (objects: KubernetesObject[]) => Finding[] {
  return (objects) => objects.flatMap((object) => check(object).map((message) => ({ object, message })));
}

/** The deployment checklist as mandatory policies (docs/policy.md explains each one). */
export const POLICIES: readonly BlueprintPolicy[] = [
  { scope: "object", name: "containers-have-probes", description: "Long-running containers have readiness and liveness probes.", check: missingProbes },
  {
    scope: "object",
    name: "containers-have-requests-and-limits",
    description: "Every container requests and limits CPU and memory.",
    check: missingRequestsAndLimits,
  },
  {
    scope: "object",
    name: "pod-security-restricted",
    description: "Pods meet the Pod Security Standard 'restricted' (non-root, no escalation, drop ALL, seccomp RuntimeDefault).",
    check: securityContextViolations,
  },
  { scope: "object", name: "images-pinned", description: "Images are pinned by a release tag or digest: never 'latest', never untagged.", check: unpinnedImages },
  {
    scope: "object",
    name: IMAGE_DIGEST_POLICY,
    description: "Every image carries a digest; a service's own image may be a bare tag outside production.",
    check: imagesWithoutDigest,
  },
  {
    scope: "object",
    name: "production-hpa-min-replicas",
    description: "In production, HorizontalPodAutoscalers keep at least 2 replicas.",
    check: productionHpaBelowMinimum,
  },
  {
    scope: "object",
    name: "load-balancer-annotated",
    description: "A Service of type LoadBalancer carries 'blueprint.io/allow-load-balancer: <reason>'.",
    check: unannotatedLoadBalancers,
  },
  {
    scope: "stack",
    name: "namespace-default-deny",
    description: "Every namespace in use has a default-deny NetworkPolicy.",
    check: namespacesWithoutDefaultDeny,
  },
  {
    scope: "stack",
    name: "replicated-workloads-have-pdb",
    description: "Workloads with more than one replica (or HPA minimum) have a PodDisruptionBudget that allows one eviction.",
    check: replicatedWithoutDisruptionBudget,
  },
  {
    scope: "stack",
    name: "no-literal-credentials",
    description: "No Secret holds a literal (non-Pulumi-secret) value that looks like a credential.",
    check: eachObject(literalCredentials),
  },
];

/** Judges the exemption annotations themselves; it cannot be exempted from. */
export const EXEMPTIONS_POLICY_NAME = "exemptions-well-formed";

export const POLICY_NAMES: ReadonlySet<string> = new Set(POLICIES.map((policy) => policy.name));
