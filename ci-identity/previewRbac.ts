/**
 * The Kubernetes identity a preview job runs as: it may read every kind of object the stack declares and change
 * none. A preview without `--refresh` reads live objects only to plan (the provider's dry-run apply, which needs
 * `patch`, is refused and the provider falls back to its own diff), so get, list and watch are all it needs.
 *
 * Pure: it builds the objects from a render (the stack's declared Kubernetes objects) and applies nothing. The
 * operator applies them once per cluster with an admin identity, then mints a token for the ServiceAccount
 * (TokenRequest) for the preview kubeconfig.
 */
import type { KubernetesObject } from "../policy/kubernetes";

/** The only verbs the preview identity holds. */
export const PREVIEW_VERBS = ["get", "list", "watch"] as const;

export const PREVIEW_IDENTITY_NAME = "pulumi-preview";
/** A namespace every cluster has, so the identity does not depend on anything the stack itself creates. */
export const PREVIEW_IDENTITY_NAMESPACE = "kube-system";

/**
 * Kind → its API group and resource (the plural the API server's RBAC checks). A kind the table lacks is an
 * error, not a guess: a wrong plural would grant nothing and the preview would fail on a real cluster only.
 * Extend it when the program declares a new kind (the unit test over the renders says which).
 */
export const KIND_RESOURCES: Readonly<Record<string, { group: string; resource: string }>> = {
  ConfigMap: { group: "", resource: "configmaps" },
  Namespace: { group: "", resource: "namespaces" },
  PersistentVolumeClaim: { group: "", resource: "persistentvolumeclaims" },
  Secret: { group: "", resource: "secrets" },
  Service: { group: "", resource: "services" },
  ServiceAccount: { group: "", resource: "serviceaccounts" },
  DaemonSet: { group: "apps", resource: "daemonsets" },
  Deployment: { group: "apps", resource: "deployments" },
  StatefulSet: { group: "apps", resource: "statefulsets" },
  HorizontalPodAutoscaler: { group: "autoscaling", resource: "horizontalpodautoscalers" },
  CronJob: { group: "batch", resource: "cronjobs" },
  Job: { group: "batch", resource: "jobs" },
  Ingress: { group: "networking.k8s.io", resource: "ingresses" },
  NetworkPolicy: { group: "networking.k8s.io", resource: "networkpolicies" },
  PodDisruptionBudget: { group: "policy", resource: "poddisruptionbudgets" },
  ClusterRole: { group: "rbac.authorization.k8s.io", resource: "clusterroles" },
  ClusterRoleBinding: { group: "rbac.authorization.k8s.io", resource: "clusterrolebindings" },
  Role: { group: "rbac.authorization.k8s.io", resource: "roles" },
  RoleBinding: { group: "rbac.authorization.k8s.io", resource: "rolebindings" },
};

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface PreviewRbac {
  serviceAccount: KubernetesObject;
  clusterRole: KubernetesObject & { rules: PolicyRule[] };
  clusterRoleBinding: KubernetesObject;
  /** In the order to apply them. */
  objects: KubernetesObject[];
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (the core group). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash === -1 ? "" : apiVersion.slice(0, slash);
}

/** The group and resource of one declared object; throws naming the kind when the table lacks it. */
export function resourceOf(object: Pick<KubernetesObject, "apiVersion" | "kind">): { group: string; resource: string } {
  const entry = KIND_RESOURCES[object.kind];
  if (!entry) throw new Error(`previewRbac: no resource known for kind ${object.kind} (${object.apiVersion}); add it to KIND_RESOURCES in ci-identity/previewRbac.ts`);
  const group = apiGroupOf(object.apiVersion);
  if (group !== entry.group) throw new Error(`previewRbac: kind ${object.kind} is declared in API group '${group}' (${object.apiVersion}), the table knows it in '${entry.group}'`);
  return entry;
}

/**
 * Kinds the preview identity may not read although the render declares them. A preview runs the pull
 * request's own code with this identity, so reading a Secret would hand its values (credentials, keys) to
 * that code. A preview does not need them: it runs without refresh, the provider diffs the state's copy
 * against the program, and a dry-run it is refused falls back to that diff (the engine e2e shows both).
 */
export const PREVIEW_WITHHELD_KINDS: ReadonlySet<string> = new Set(["Secret"]);

/**
 * The rules: one per API group the render uses, on exactly the resources of the kinds it declares (less
 * PREVIEW_WITHHELD_KINDS), with the read verbs only. Sorted, so the same render always gives the same ClusterRole.
 */
export function previewRules(objects: readonly Pick<KubernetesObject, "apiVersion" | "kind">[]): PolicyRule[] {
  const byGroup = new Map<string, Set<string>>();
  for (const object of objects) {
    const { group, resource } = resourceOf(object);
    if (PREVIEW_WITHHELD_KINDS.has(object.kind)) continue;
    byGroup.set(group, (byGroup.get(group) ?? new Set()).add(resource));
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, resources]) => ({ apiGroups: [group], resources: [...resources].sort(), verbs: [...PREVIEW_VERBS] }));
}

/** The preview identity's ServiceAccount, ClusterRole and ClusterRoleBinding for one stack's render. */
export function previewRbac(objects: readonly KubernetesObject[], options: { name?: string; namespace?: string } = {}): PreviewRbac {
  const name = options.name ?? PREVIEW_IDENTITY_NAME;
  const namespace = options.namespace ?? PREVIEW_IDENTITY_NAMESPACE;
  const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "production-blueprint", "app.kubernetes.io/component": "ci-preview" };
  const serviceAccount: KubernetesObject = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name, namespace, labels },
    // Its token is minted on request (TokenRequest) for the kubeconfig; no pod ever runs as it.
    automountServiceAccountToken: false,
  };
  const clusterRole = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name, labels }, rules: previewRules(objects) };
  const clusterRoleBinding: KubernetesObject = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [{ kind: "ServiceAccount", name, namespace }],
  };
  return { serviceAccount, clusterRole, clusterRoleBinding, objects: [serviceAccount, clusterRole, clusterRoleBinding] };
}
