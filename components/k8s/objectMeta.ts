import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { createHash } from "node:crypto";
import { ENROLLED, standardLabels } from "./labels";
import { type LintExemption, workloadExemptionAnnotations } from "./lintExemptions";

/** Name, role and namespace of one workload; every object of the workload derives its metadata from them. */
export interface WorkloadIdentity {
  name: string;
  component: string;
  namespace: pulumi.Input<string>;
}

export function labelsOf(identity: WorkloadIdentity): Record<string, string> {
  return standardLabels(identity.name, identity.component);
}

export function metadataOf(identity: WorkloadIdentity, objectName: string = identity.name) {
  return { name: objectName, namespace: identity.namespace, labels: labelsOf(identity) };
}

/** A workload's metadata with its lint-exemption annotations (the digest one derived from its images). */
export function workloadMetadataOf(identity: WorkloadIdentity, podSpec: k8s.types.input.core.v1.PodSpec, exemptions: LintExemption[] = []) {
  return { ...metadataOf(identity), annotations: workloadExemptionAnnotations(podSpec, exemptions) };
}

/** A stable digest of config data, put on a pod template so a change to the data rolls the pods. */
export function checksumOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/**
 * A pod template's metadata; scrape annotations only where the pod serves metrics, and then the enrolment
 * label too, which is what Prometheus's discovery selects on (its network flows are listed explicitly).
 */
export function podTemplateMetadata(identity: WorkloadIdentity, annotations: Record<string, pulumi.Input<string>> = {}) {
  const scraped = annotations["prometheus.io/scrape"] === "true";
  return { labels: { ...labelsOf(identity), ...(scraped ? ENROLLED : {}) }, ...(Object.keys(annotations).length ? { annotations } : {}) };
}
