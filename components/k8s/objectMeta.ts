import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { ENROLLED, type ScrapeTarget, scrapeAnnotations } from "./enrolment";
import { standardLabels } from "./labels";

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

/** A stable digest of config data, put on a pod template so a change to the data rolls the pods. */
export function checksumOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/** The domain of the checksum annotations: `checksum.blueprint.io/config` rolls the pods when the config changes. */
export const CHECKSUM_DOMAIN = "checksum.blueprint.io";

export function checksumAnnotationKey(name: string): string {
  return `${CHECKSUM_DOMAIN}/${name}`;
}

/** What a pod template says about its pods beyond their identity. */
export interface PodTemplateArgs {
  /** Where the pod serves metrics: the scrape annotations and the enrolment label that comes with them. */
  metrics?: ScrapeTarget;
  /** Enrolled without metrics: a pod that only sends traces (Jaeger admits enrolled pods). Default: has metrics. */
  enrolled?: boolean;
  /** Digests of what the pods read only at start, by name: a change to one rolls the pods. */
  checksums?: Record<string, pulumi.Input<string>>;
  annotations?: Record<string, pulumi.Input<string>>;
}

/**
 * A pod template's metadata, and the only writer of the enrolment label and the scrape annotations: a pod
 * that serves metrics is enrolled, which is what Prometheus's discovery selects on (its network flows are
 * listed explicitly).
 */
export function podTemplateMetadata(identity: WorkloadIdentity, args: PodTemplateArgs = {}) {
  const checksums = Object.entries(args.checksums ?? {}).map(([name, digest]) => [checksumAnnotationKey(name), digest] as const);
  const annotations: Record<string, pulumi.Input<string>> = {
    ...(args.metrics ? scrapeAnnotations(args.metrics) : {}),
    ...Object.fromEntries(checksums),
    ...(args.annotations ?? {}),
  };
  return { labels: { ...labelsOf(identity), ...((args.enrolled ?? args.metrics !== undefined) ? ENROLLED : {}) }, ...(Object.keys(annotations).length ? { annotations } : {}) };
}
