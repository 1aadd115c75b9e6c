import type * as pulumi from "@pulumi/pulumi";

/**
 * The API server refuses an update to a StatefulSet's spec outside replicas, ordinals, template,
 * updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds. Without these options a change
 * to one of the fields below (a volume size above all) fails `pulumi preview` with "updates to statefulset
 * spec for fields other than ... are forbidden"; with them it is planned and applied as a replacement. The
 * StatefulSet has a fixed name, so the old one goes first (deleteBeforeReplace). Its claims are retained
 * (persistentVolumeClaimRetentionPolicy) and the new StatefulSet adopts them by name, with their data and
 * their old size: growing an existing volume is a PVC resize (docs/observability.md, "Volume sizes").
 */
export const STATEFULSET_IMMUTABLE_FIELDS = ["spec.volumeClaimTemplates", "spec.serviceName", "spec.selector", "spec.podManagementPolicy"];

export function statefulSetReplacement(opts: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
  return { ...opts, replaceOnChanges: [...(opts.replaceOnChanges ?? []), ...STATEFULSET_IMMUTABLE_FIELDS], deleteBeforeReplace: true };
}
