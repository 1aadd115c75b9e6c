import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { pdbSpec } from "../service/manifests";

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

/** A ReadWriteOnce claim template for a StatefulSet's data volume, one per pod. */
export function dataVolumeClaim(name: string, size: string, labels: Record<string, string>): k8s.types.input.core.v1.PersistentVolumeClaim {
  return { metadata: { name, labels }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } };
}

/**
 * A StatefulSet holding one data volume per pod. Used even for one replica: a Deployment's rolling update
 * would start the new pod before the old one releases the ReadWriteOnce volume, and hang.
 */
export function declareStatefulSet(
  meta: WorkloadMeta,
  args: { replicas: number; serviceName: string; template: PodTemplate; volumeClaims: k8s.types.input.core.v1.PersistentVolumeClaim[] },
  opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.StatefulSet {
  return new k8s.apps.v1.StatefulSet(
    `${meta.name}-statefulset`,
    {
      metadata: { name: meta.name, namespace: meta.namespace, labels: meta.labels },
      spec: {
        replicas: args.replicas,
        serviceName: args.serviceName,
        selector: { matchLabels: meta.selector },
        podManagementPolicy: "OrderedReady",
        updateStrategy: { type: "RollingUpdate" },
        // Keep the data when the StatefulSet is deleted or scaled down: traces and metrics outlive a redeploy.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template: args.template,
        volumeClaimTemplates: args.volumeClaims,
      },
    },
    opts,
  );
}

export function declareDeployment(
  meta: WorkloadMeta,
  args: { replicas: number; template: PodTemplate },
  opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment {
  return new k8s.apps.v1.Deployment(
    `${meta.name}-deployment`,
    {
      metadata: { name: meta.name, namespace: meta.namespace, labels: meta.labels },
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
    { metadata: { name: meta.name, namespace: meta.namespace, labels: meta.labels }, spec: pdbSpec(meta.selector) },
    opts,
  );
}

export function declareConfigMap(meta: WorkloadMeta, name: string, data: Record<string, string>, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap {
  return new k8s.core.v1.ConfigMap(`${name}-configmap`, { metadata: { name, namespace: meta.namespace, labels: meta.labels }, data }, opts);
}
