import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { parseQuantity, QUANTITY_PATTERN } from "../../../components/k8s/quantity";
import type { KubernetesObject } from "../../../policy/kubernetes";
import { kubeClient } from "../../../scripts/lib/localCluster";
import type { ProjectCopy } from "../../support/projectCopy";

/** The e2e stack: staging's committed config, Vault off, deployed through the local cluster's kubeconfig. */
export const CLUSTER_STACK = "e2e-staging";

/**
 * What a CI job of the stack has in its environment: the backend, the cluster identity as KUBECONFIG (the stack
 * file names no kubeconfig, as staging's does not: the provider takes the ambient one, so a preview job and a
 * deploy job run the same config with different identities), and the stack's state secrets credentials (its
 * Vault address, CA and token: ci-identity/names.ts stateSecretsProvider).
 */
export function clusterStackEnv(copy: ProjectCopy, kubeconfig: string, stateSecrets: Record<string, string>): Record<string, string> {
  return { PULUMI_BACKEND_URL: copy.backendUrl, KUBECONFIG: kubeconfig, ...stateSecrets };
}

/** The services the e2e stack deploys: staging's Items API, and items-py (examples/items-py), any image's path. */
export const CLUSTER_SERVICES = ["items-api", "items-py"] as const;

/**
 * Writes Pulumi.e2e-staging.yaml from Pulumi.staging.yaml: same shape, Vault off, the ambient cluster, and items-py
 * beside the Items API with the local stack's entry for it (one entry to keep, not a copy that drifts). The
 * committed staging and production stacks deploy only the Items API.
 */
export function writeClusterStackFile(copy: ProjectCopy): void {
  const document = parseDocument(fs.readFileSync(path.join(copy.dir, "Pulumi.staging.yaml"), "utf8"));
  const local = parseDocument(fs.readFileSync(path.join(copy.dir, "Pulumi.local.yaml"), "utf8"));
  const itemsPy = local.getIn(["config", "production-blueprint:services", "items-py"]);
  if (itemsPy === undefined) throw new Error("Pulumi.local.yaml has no items-py service to deploy beside the Items API");
  document.setIn(["config", "production-blueprint:services", "items-py"], itemsPy);
  document.setIn(["config", "production-blueprint:environment"], "staging");
  // No kubeconfig and no context: the provider uses KUBECONFIG (clusterStackEnv), as CI's jobs do.
  document.deleteIn(["config", "production-blueprint:kubernetes"]);
  // Vault off is the whole section: its other keys belong to a Vault the e2e cluster does not run.
  document.setIn(["config", "production-blueprint:vault"], document.createNode({ enabled: false }));
  fs.writeFileSync(path.join(copy.dir, `Pulumi.${CLUSTER_STACK}.yaml`), document.toString());
}

/** The stack with the given environment; a new stack's secrets provider is `secretsProvider` (`stack init --secrets-provider`). */
export function clusterStack(copy: ProjectCopy, envVars: Record<string, string>, secretsProvider: string, stackName: string = CLUSTER_STACK): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack({ stackName, workDir: copy.dir }, { envVars, secretsProvider });
}

/** Every Kubernetes object the stack's state holds, as apiVersion/kind/namespace/name. */
export async function stateObjects(stack: Stack): Promise<KubernetesObject[]> {
  const state = await stack.exportStack();
  return (state.deployment.resources ?? [])
    .filter((resource: { type: string }) => resource.type.startsWith("kubernetes:") && !resource.type.startsWith("pulumi:providers:"))
    .map((resource: { outputs?: KubernetesObject }) => resource.outputs as KubernetesObject)
    .filter((object: KubernetesObject | undefined) => object?.kind);
}

/** The live object, or undefined when the API server answers 404. */
export async function readLive(config: k8s.KubeConfig, object: KubernetesObject): Promise<KubernetesObject | undefined> {
  const { KubernetesObjectApi } = await kubeClient();
  const client = KubernetesObjectApi.makeApiClient(config);
  try {
    const spec = { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name, namespace: object.metadata.namespace } };
    const live = await client.read(spec as k8s.KubernetesObject & { metadata: { name: string; namespace: string } });
    return wireForm(live) as KubernetesObject;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/**
 * The object as the API server sent it. The client's models rename the one JSON key that is a reserved word
 * in their generator (a NetworkPolicy peer's `from` becomes `_from`); undo that so live and declared compare.
 */
function wireForm(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(wireForm);
  if (value === null || typeof value !== "object" || value instanceof Date) return value instanceof Date ? value.toISOString() : value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([key, v]) => [key === "_from" ? "from" : key, wireForm(v)]));
}

/** Why a workload is not ready yet, or undefined when it is (Deployments, StatefulSets, DaemonSets, Jobs). */
export function notReady(object: KubernetesObject): string | undefined {
  const status = (object as { status?: Record<string, number | undefined> }).status ?? {};
  const spec = (object as { spec?: { replicas?: number; completions?: number } }).spec ?? {};
  const want = spec.replicas ?? 1;
  switch (object.kind) {
    case "Deployment":
      return (status.availableReplicas ?? 0) >= want && (status.updatedReplicas ?? 0) >= want ? undefined : `${status.availableReplicas ?? 0}/${want} available`;
    case "StatefulSet":
      return (status.readyReplicas ?? 0) >= want ? undefined : `${status.readyReplicas ?? 0}/${want} ready`;
    case "DaemonSet":
      return (status.desiredNumberScheduled ?? 0) > 0 && status.numberReady === status.desiredNumberScheduled ? undefined : `${status.numberReady ?? 0}/${status.desiredNumberScheduled ?? 0} ready`;
    case "Job":
      return (status.succeeded ?? 0) >= (spec.completions ?? 1) ? undefined : `${status.succeeded ?? 0} succeeded`;
    default:
      return undefined;
  }
}

/**
 * A stand-in for an ingress controller, named as one: the local cluster has none, and Pulumi waits for an
 * Ingress to be given an address. Every Ingress without one gets 127.0.0.1, as a controller would publish
 * its own address. Returns the function that stops it.
 */
export async function standInIngressController(config: k8s.KubeConfig): Promise<() => void> {
  const { NetworkingV1Api } = await kubeClient();
  const api = config.makeApiClient(NetworkingV1Api);
  const timer = setInterval(() => {
    api
      .listIngressForAllNamespaces()
      .then(async (list) => {
        for (const ingress of list.items) {
          if (ingress.status?.loadBalancer?.ingress?.length) continue;
          ingress.status = { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } };
          await api.replaceNamespacedIngressStatus({ name: ingress.metadata!.name!, namespace: ingress.metadata!.namespace!, body: ingress });
        }
      })
      .catch(() => undefined); // the next tick tries again; a cluster that is gone ends the test elsewhere
  }, 1000);
  return () => clearInterval(timer);
}

/** Events of one namespace whose reason is `reason`, as "Kind/name: message". */
export async function eventsWithReason(config: k8s.KubeConfig, namespace: string, reason: string): Promise<string[]> {
  const { CoreV1Api } = await kubeClient();
  const events = await config.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace });
  return events.items.filter((event) => event.reason === reason).map((event) => `${event.involvedObject.kind}/${event.involvedObject.name}: ${event.message}`);
}

/**
 * Paths where the live object differs from what was declared: every declared leaf must be there with the
 * same value; fields the API server adds (defaults, status) are not differences. Quantities compare by
 * value, as the API server may write them in another unit.
 */
export function differences(declared: unknown, live: unknown, at = ""): string[] {
  if (declared === undefined || declared === null) return [];
  if (Array.isArray(declared)) {
    if (!Array.isArray(live) || live.length !== declared.length) return [`${at}: declared ${JSON.stringify(declared)}, live ${JSON.stringify(live)}`];
    return declared.flatMap((item, index) => differences(item, live[index], `${at}[${index}]`));
  }
  if (typeof declared === "object") {
    if (typeof live !== "object" || live === null) return [`${at}: declared an object, live ${JSON.stringify(live)}`];
    return Object.entries(declared as Record<string, unknown>).flatMap(([key, value]) => differences(value, (live as Record<string, unknown>)[key], `${at}.${key}`));
  }
  if (declared === live || sameQuantity(declared, live)) return [];
  return [`${at}: declared ${JSON.stringify(declared)}, live ${JSON.stringify(live)}`];
}

function sameQuantity(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" && typeof a !== "number") return false;
  if (!QUANTITY_PATTERN.test(String(a)) || !QUANTITY_PATTERN.test(String(b))) return false;
  return parseQuantity(String(a)) === parseQuantity(String(b));
}
