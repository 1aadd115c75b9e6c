import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { selectorLabels } from "./labels";
import { type LintExemption, PULUMI_OWNS_JOB } from "./lintExemptions";
import { type WorkloadIdentity, metadataOf, podTemplateMetadata, workloadMetadataOf } from "./objectMeta";
import { statefulSetReplacement } from "./statefulSetReplacement";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type ServicePort = k8s.types.input.core.v1.ServicePort;

/** Its own ServiceAccount per workload; only those that call the Kubernetes API get a token. */
export function declareServiceAccount(identity: WorkloadIdentity, parent: pulumi.Resource, automountToken = false): k8s.core.v1.ServiceAccount {
  return new k8s.core.v1.ServiceAccount(`${identity.name}-sa`, { metadata: metadataOf(identity), automountServiceAccountToken: automountToken }, { parent });
}

/** The most a ConfigMap's data may hold: the API server refuses a larger one. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/**
 * Refuses files that would not fit one ConfigMap, naming it and each file's size, when the program runs rather
 * than when the API server rejects it halfway through an update. Generated files grow with config (the
 * Prometheus rules with every service), so this is where a stack outgrows them.
 */
export function assertConfigMapFits(where: string, files: Record<string, string>, whenTooLarge?: string): void {
  const sizes = Object.entries(files).map(([name, content]) => ({ name, bytes: Buffer.byteLength(name) + Buffer.byteLength(content) }));
  const total = sizes.reduce((sum, file) => sum + file.bytes, 0);
  if (total > CONFIGMAP_MAX_BYTES) {
    const listed = sizes.map((file) => `${file.name} ${file.bytes} bytes`).join(", ");
    throw new Error(`ConfigMap ${where}: its files hold ${total} bytes (${listed}), over the ${CONFIGMAP_MAX_BYTES} bytes (1 MiB) the API server accepts in one ConfigMap${whenTooLarge ? `: ${whenTooLarge}` : ""}`);
  }
}

/** A ConfigMap holding a workload's config files (typed data already serialized). */
export function declareConfigMap(
  identity: WorkloadIdentity,
  objectName: string,
  files: Record<string, pulumi.Input<string>>,
  opts: pulumi.CustomResourceOptions & { resourceName?: string; whenTooLarge?: string },
): k8s.core.v1.ConfigMap {
  const { resourceName = objectName, whenTooLarge, ...resourceOpts } = opts;
  // Files known as the program runs are checked at once; one still computed (an Output) is checked by the API server.
  const known = Object.entries(files).filter((entry): entry is [string, string] => typeof entry[1] === "string");
  if (known.length === Object.keys(files).length) {
    assertConfigMapFits(typeof identity.namespace === "string" ? `${identity.namespace}/${objectName}` : objectName, Object.fromEntries(known), whenTooLarge);
  }
  return new k8s.core.v1.ConfigMap(resourceName, { metadata: metadataOf(identity, objectName), data: files }, resourceOpts);
}

export function pdbSpec(selector: Record<string, string>): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  return {
    selector: { matchLabels: selector },
    // maxUnavailable 1: drains proceed for a singleton, and an HA set never loses two pods at once.
    maxUnavailable: 1,
    // A crash-looping pod must not block node drains: it is not serving anyway.
    unhealthyPodEvictionPolicy: "AlwaysAllow",
  };
}

export function declarePdb(identity: WorkloadIdentity, parent: pulumi.Resource): k8s.policy.v1.PodDisruptionBudget {
  return new k8s.policy.v1.PodDisruptionBudget(`${identity.name}-pdb`, { metadata: metadataOf(identity), spec: pdbSpec(selectorLabels(identity.name)) }, { parent });
}

/** A ClusterIP Service in front of the workload's pods; `objectName` when it is not named after the workload. */
export function declareClusterIpService(identity: WorkloadIdentity, ports: ServicePort[], parent: pulumi.Resource, objectName: string = identity.name): k8s.core.v1.Service {
  return new k8s.core.v1.Service(
    `${objectName}-service`,
    { metadata: metadataOf(identity, objectName), spec: { type: "ClusterIP", selector: selectorLabels(identity.name), ports } },
    { parent },
  );
}

export interface PodWorkloadArgs {
  identity: WorkloadIdentity;
  replicas: number;
  podSpec: PodSpec;
  podAnnotations?: Record<string, string>;
  lintExemptions?: LintExemption[];
}

/**
 * A stateless Deployment. A new pod must be ready before an old one goes (maxUnavailable 0), so a rollout
 * never lowers capacity. Callers add the PDB where a disruption budget means something (more than one pod,
 * or a pod with state).
 */
export function declareDeployment(args: PodWorkloadArgs, opts: pulumi.CustomResourceOptions): k8s.apps.v1.Deployment {
  const { identity } = args;
  return new k8s.apps.v1.Deployment(
    `${identity.name}-deployment`,
    {
      metadata: workloadMetadataOf(identity, args.podSpec, args.lintExemptions),
      spec: {
        replicas: args.replicas,
        selector: { matchLabels: selectorLabels(identity.name) },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        revisionHistoryLimit: 5,
        template: { metadata: podTemplateMetadata(identity, args.podAnnotations), spec: args.podSpec },
      },
    },
    opts,
  );
}

export interface StatefulSetArgs extends PodWorkloadArgs {
  volumeClaimTemplates: k8s.types.input.core.v1.PersistentVolumeClaim[];
  /**
   * "OrderedReady" for a single-data workload (Jaeger, Prometheus); "Parallel" for members that form a
   * quorum (KRaft, Elasticsearch master election, Alertmanager gossip) and need a majority up at once.
   */
  podManagementPolicy: "OrderedReady" | "Parallel";
  /**
   * The headless Service's ports, for members that find each other by DNS; with them the pods' names are
   * published before readiness, so a cluster can form.
   */
  memberPorts?: ServicePort[];
}

export interface StatefulWorkload {
  statefulSet: k8s.apps.v1.StatefulSet;
  headlessService: k8s.core.v1.Service;
}

export interface OneShotJobArgs {
  identity: WorkloadIdentity;
  podSpec: PodSpec;
  backoffLimit: number;
  podAnnotations?: Record<string, pulumi.Input<string>>;
  /** Besides PULUMI_OWNS_JOB, which every such Job carries. */
  lintExemptions?: LintExemption[];
}

/**
 * A one-shot setup Job that Pulumi owns: it runs once when declared and again only when Pulumi replaces it,
 * on a change to its inputs (hence no TTL, and the old Job goes first: the name is fixed). Fifteen minutes
 * at most, however often its pod is retried.
 */
export function declareOneShotJob(args: OneShotJobArgs, opts: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
  const { identity } = args;
  return new k8s.batch.v1.Job(
    `${identity.name}-job`,
    {
      metadata: workloadMetadataOf(identity, args.podSpec, [PULUMI_OWNS_JOB, ...(args.lintExemptions ?? [])]),
      spec: {
        backoffLimit: args.backoffLimit,
        activeDeadlineSeconds: 900,
        template: { metadata: podTemplateMetadata(identity, args.podAnnotations), spec: { ...args.podSpec, restartPolicy: "Never" } },
      },
    },
    { ...opts, deleteBeforeReplace: true },
  );
}

/** `<name>-headless`: the Service that governs a StatefulSet. */
export function headlessServiceName(workloadName: string): string {
  return `${workloadName}-headless`;
}

/**
 * A StatefulSet holding one data volume per pod, and the headless Service that governs it (the pods' DNS
 * names). Used even for one replica: a Deployment's rolling update would start the new pod before the old one
 * releases the ReadWriteOnce volume, and hang. The headless Service opens no traffic: the NetworkPolicies
 * select pods, whatever Service resolves to them.
 */
export function declareStatefulSet(args: StatefulSetArgs, opts: pulumi.CustomResourceOptions): StatefulWorkload {
  const { identity } = args;
  const serviceName = headlessServiceName(identity.name);
  const selector = selectorLabels(identity.name);
  const headlessService = new k8s.core.v1.Service(
    `${serviceName}-service`,
    {
      metadata: metadataOf(identity, serviceName),
      spec: { clusterIP: "None", ...(args.memberPorts ? { publishNotReadyAddresses: true } : {}), selector, ...(args.memberPorts ? { ports: args.memberPorts } : {}) },
    },
    { parent: opts.parent },
  );
  const statefulSet = new k8s.apps.v1.StatefulSet(
    `${identity.name}-statefulset`,
    {
      metadata: workloadMetadataOf(identity, args.podSpec, args.lintExemptions),
      spec: {
        replicas: args.replicas,
        serviceName,
        selector: { matchLabels: selector },
        podManagementPolicy: args.podManagementPolicy,
        updateStrategy: { type: "RollingUpdate" },
        // Data outlives a scale-down or a deleted StatefulSet; removing it is a deliberate, manual step.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template: { metadata: podTemplateMetadata(identity, args.podAnnotations), spec: args.podSpec },
        volumeClaimTemplates: args.volumeClaimTemplates,
      },
    },
    statefulSetReplacement({ ...opts, dependsOn: [...((opts.dependsOn as pulumi.Resource[] | undefined) ?? []), headlessService] }),
  );
  return { statefulSet, headlessService };
}

/** A Service port forwarding to the container port of the same name, so the number lives on the container only. */
export function servicePort(name: string, port: number): ServicePort {
  return { name, port, targetPort: name, protocol: "TCP" };
}
