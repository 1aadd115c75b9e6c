/**
 * Plain Kubernetes object data as the policies read it: the offline render's manifests and the policy
 * SDK's resource inputs both arrive in this shape. Field access is loose on purpose — a policy must cope
 * with any manifest a program can declare, so every nested field is optional.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are untyped JSON; each policy checks the fields it reads.
export type Fields = Record<string, any>;

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** How a violation names an object: `Kind namespace/name`, or `Kind name` for cluster-scoped objects. */
export function describeObject(object: Pick<KubernetesObject, "kind" | "metadata">): string {
  const { name, namespace } = object.metadata;
  return `${object.kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

export function annotationsOf(object: KubernetesObject): Record<string, string> {
  return object.metadata.annotations ?? {};
}

export function specOf(object: KubernetesObject): Fields {
  return (object.spec as Fields | undefined) ?? {};
}

// Where each pod-creating kind keeps its pod template.
const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/** Kinds whose pods run until stopped, as opposed to Jobs that run to completion. */
export const LONG_RUNNING_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"]);

/** The pod template (metadata + spec) an object creates pods from; a bare Pod is its own template. */
export function podTemplateOf(object: KubernetesObject): Fields | undefined {
  if (object.kind === "Pod") return { metadata: object.metadata, spec: object.spec };
  const path = POD_TEMPLATE_PATHS[object.kind];
  if (!path) return undefined;
  return path.reduce<Fields | undefined>((node, key) => node?.[key], object as Fields);
}

export function podSpecOf(object: KubernetesObject): Fields | undefined {
  return podTemplateOf(object)?.spec;
}

/** Containers of a pod spec: `app` (the main containers) or `all` (plus init and ephemeral ones). */
export function containersOf(podSpec: Fields, which: "app" | "all"): Fields[] {
  const app: Fields[] = podSpec.containers ?? [];
  return which === "app" ? app : [...(podSpec.initContainers ?? []), ...app, ...(podSpec.ephemeralContainers ?? [])];
}
