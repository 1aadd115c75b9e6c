import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "./labels";
import { POD_SECURITY_EXEMPTION } from "./lintExemptions";
import { declareNetworkPolicy, defaultDenySpec, dnsEgressSpec } from "./network";

/**
 * "restricted" for everything we run; "privileged" only where a workload must read the node (the Vector
 * agent), and then the caller must say why, and the reason is recorded on the namespace.
 */
export type PodSecurityLevel = { level: "restricted" } | { level: "privileged"; reason: string };

export interface SecureNamespace {
  namespace: k8s.core.v1.Namespace;
  /** The namespace name as an output, so dependents wait for the namespace to exist. */
  name: pulumi.Output<string>;
}

/** A namespace with its Pod Security level enforced, a default-deny NetworkPolicy and DNS egress. */
export function declareSecureNamespace(
  name: string,
  podSecurity: PodSecurityLevel,
  opts: pulumi.CustomResourceOptions,
  /** Further labels, such as the observability enrolment a namespace of services carries. */
  labels: Record<string, string> = {},
): SecureNamespace {
  const level = podSecurity.level;
  const namespace = new k8s.core.v1.Namespace(
    `${name}-namespace`,
    {
      metadata: {
        name,
        labels: {
          "app.kubernetes.io/part-of": PART_OF,
          "pod-security.kubernetes.io/enforce": level,
          "pod-security.kubernetes.io/enforce-version": "latest",
          // Even a privileged namespace is audited and warned against "restricted", so drift is visible.
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
          ...labels,
        },
        ...(podSecurity.level === "privileged" ? { annotations: { [POD_SECURITY_EXEMPTION]: podSecurity.reason } } : {}),
      },
    },
    opts,
  );
  const childOpts = { ...opts, dependsOn: [namespace] };
  declareNetworkPolicy(`${name}-default-deny`, { name: "default-deny", namespace: name }, defaultDenySpec(), childOpts);
  declareNetworkPolicy(`${name}-allow-dns`, { name: "allow-dns-egress", namespace: name }, dnsEgressSpec(), childOpts);
  return { namespace, name: namespace.metadata.name };
}
