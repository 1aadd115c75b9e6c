import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { withResourceErrors } from "../resourceErrors";
import { selectorLabels } from "./labels";
import { type LintExemption, PULUMI_OWNS_JOB, lintExemptionAnnotations } from "./lintExemptions";
import { type WorkloadIdentity, labelsOf, metadataOf, podTemplateMetadata } from "./objectMeta";
import { type RunAs, type SecureContainerArgs, securePodSpec } from "./podSpec";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type ServicePort = k8s.types.input.core.v1.ServicePort;

/**
 * Its own ServiceAccount per workload, never automounting its token: a workload that calls the Kubernetes API
 * mounts it on its pod spec (declareWorkload's `apiToken`), where the token shows.
 */
export function declareServiceAccount(identity: WorkloadIdentity, parent: pulumi.Resource): k8s.core.v1.ServiceAccount {
  return new k8s.core.v1.ServiceAccount(`${identity.name}-sa`, { metadata: metadataOf(identity), automountServiceAccountToken: false }, { parent });
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

/**
 * A Secret of generated or fetched values. `stringData` reaches the state only as Pulumi secrets: a caller
 * passes Outputs marked secret (generated passwords, keys, Vault's secret_id), never plain literals.
 */
export function declareSecret(
  identity: WorkloadIdentity,
  objectName: pulumi.Input<string>,
  stringData: Record<string, pulumi.Input<string>>,
  opts: pulumi.CustomResourceOptions & { resourceName: string; annotations?: Record<string, pulumi.Input<string>> },
): k8s.core.v1.Secret {
  const { resourceName, annotations, ...resourceOpts } = opts;
  const metadata = { name: objectName, namespace: identity.namespace, labels: labelsOf(identity), ...(annotations ? { annotations } : {}) };
  return new k8s.core.v1.Secret(resourceName, { metadata, type: "Opaque", stringData }, resourceOpts);
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

export interface OneShotJobArgs {
  identity: WorkloadIdentity;
  /** The Job's one container; its volumes come from its mounts. */
  container: SecureContainerArgs;
  runAs: RunAs;
  serviceAccountName: PodSpec["serviceAccountName"];
  backoffLimit: number;
  /** Checksums of what the Job applies: a change replaces (and reruns) the Job. */
  checksums?: Record<string, pulumi.Input<string>>;
  /** Besides PULUMI_OWNS_JOB, which every such Job carries. */
  lintExemptions?: LintExemption[];
}

/**
 * A one-shot setup Job that Pulumi owns: it runs once when declared and again only when Pulumi replaces it,
 * on a change to its inputs (hence no TTL, and the old Job goes first: the name is fixed). Fifteen minutes
 * at most, however often its pod is retried.
 */
export function declareOneShotJob(args: OneShotJobArgs, opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource }): k8s.batch.v1.Job {
  const { identity } = args;
  const { podSpec } = withResourceErrors(opts.parent, () =>
    securePodSpec({ name: identity.name, containers: [args.container], runAs: args.runAs, serviceAccountName: args.serviceAccountName }),
  );
  return new k8s.batch.v1.Job(
    `${identity.name}-job`,
    {
      metadata: { ...metadataOf(identity), annotations: lintExemptionAnnotations([PULUMI_OWNS_JOB, ...(args.lintExemptions ?? [])]) },
      spec: {
        backoffLimit: args.backoffLimit,
        activeDeadlineSeconds: 900,
        template: { metadata: podTemplateMetadata(identity, args.checksums ? { checksums: args.checksums } : {}), spec: { ...podSpec, restartPolicy: "Never" } },
      },
    },
    { ...opts, deleteBeforeReplace: true },
  );
}

/** `<name>-headless`: the Service that governs a StatefulSet. */
export function headlessServiceName(workloadName: string): string {
  return `${workloadName}-headless`;
}

/** A Service port forwarding to the container port of the same name, so the number lives on the container only. */
export function servicePort(name: string, port: number): ServicePort {
  return { name, port, targetPort: name, protocol: "TCP" };
}
