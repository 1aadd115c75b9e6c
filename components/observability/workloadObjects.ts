import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { selectorLabels, standardLabels } from "../k8s/labels";
import { type LintExemption, workloadExemptionAnnotations } from "../k8s/lintExemptions";
import { pdbSpec } from "../service/manifests";
import { statefulSetReplacement } from "../k8s/statefulSetReplacement";

type PodTemplate = k8s.types.input.core.v1.PodTemplateSpec;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/** The metadata every object of one observability workload shares. */
export interface WorkloadMeta {
  name: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  selector: Record<string, string>;
}

/** A hash of a config file's contents, put on the pod template so a config change rolls the pods. */
export function contentChecksum(data: Record<string, string>): string {
  return createHash("sha256").update(JSON.stringify(data)).digest("hex");
}

export function podTemplate(meta: WorkloadMeta, spec: PodSpec, annotations: Record<string, string> = {}): PodTemplate {
  return { metadata: { labels: meta.labels, annotations }, spec };
}

/** The identity of a workload in the observability namespace: its selector plus the standard labels. */
export function workloadMeta(name: string, component: string, namespace: pulumi.Input<string>): WorkloadMeta {
  return { name, namespace, labels: standardLabels(name, component), selector: selectorLabels(name) };
}

export function metadataOf(meta: WorkloadMeta, name: string = meta.name) {
  return { name, namespace: meta.namespace, labels: meta.labels };
}

/** A workload's metadata with its lint-exemption annotations (the digest one derived from its images). */
function workloadMetadataOf(meta: WorkloadMeta, template: PodTemplate, exemptions: LintExemption[] = []) {
  return { ...metadataOf(meta), annotations: workloadExemptionAnnotations(template.spec as PodSpec, exemptions) };
}

/** `<name>-headless`: the Service that governs a StatefulSet. */
export function headlessServiceName(meta: WorkloadMeta): string {
  return `${meta.name}-headless`;
}

/**
 * A StatefulSet holding one data volume per pod, and the headless Service that governs it (the pods'
 * DNS names). Used even for one replica: a Deployment's rolling update would start the new pod before
 * the old one releases the ReadWriteOnce volume, and hang. The headless Service opens no traffic: the
 * NetworkPolicies select pods, whatever Service resolves to them.
 */
export function declareStatefulSet(
  meta: WorkloadMeta,
  args: { replicas: number; template: PodTemplate; volumeClaims: k8s.types.input.core.v1.PersistentVolumeClaim[]; lintExemptions?: LintExemption[] },
  opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.StatefulSet {
  const serviceName = headlessServiceName(meta);
  const headless = new k8s.core.v1.Service(
    `${serviceName}-service`,
    { metadata: metadataOf(meta, serviceName), spec: { clusterIP: "None", selector: meta.selector } },
    { parent: opts.parent },
  );
  return new k8s.apps.v1.StatefulSet(
    `${meta.name}-statefulset`,
    {
      metadata: workloadMetadataOf(meta, args.template, args.lintExemptions),
      spec: {
        replicas: args.replicas,
        serviceName,
        selector: { matchLabels: meta.selector },
        podManagementPolicy: "OrderedReady",
        updateStrategy: { type: "RollingUpdate" },
        // Keep the data when the StatefulSet is deleted or scaled down: traces and metrics outlive a redeploy.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template: args.template,
        volumeClaimTemplates: args.volumeClaims,
      },
    },
    statefulSetReplacement({ ...opts, dependsOn: [...((opts.dependsOn as pulumi.Resource[] | undefined) ?? []), headless] }),
  );
}

export function declareDeployment(
  meta: WorkloadMeta,
  args: { replicas: number; template: PodTemplate; lintExemptions?: LintExemption[] },
  opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment {
  return new k8s.apps.v1.Deployment(
    `${meta.name}-deployment`,
    {
      metadata: workloadMetadataOf(meta, args.template, args.lintExemptions),
      spec: {
        replicas: args.replicas,
        selector: { matchLabels: meta.selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        revisionHistoryLimit: 5,
        template: args.template,
      },
    },
    opts,
  );
}

/** maxUnavailable 1: drains proceed for a singleton, and an HA set never loses two pods at once. */
export function declarePdb(meta: WorkloadMeta, opts: pulumi.CustomResourceOptions): k8s.policy.v1.PodDisruptionBudget {
  return new k8s.policy.v1.PodDisruptionBudget(
    `${meta.name}-pdb`,
    { metadata: metadataOf(meta), spec: pdbSpec(meta.selector) },
    opts,
  );
}

export function declareConfigMap(meta: WorkloadMeta, name: string, data: Record<string, string>, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap {
  return new k8s.core.v1.ConfigMap(`${name}-configmap`, { metadata: metadataOf(meta, name), data }, opts);
}
