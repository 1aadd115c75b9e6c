import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { type WorkloadIdentity, labelsOf } from "./objectMeta";

export interface ClusterRoleForWorkloadArgs {
  identity: WorkloadIdentity;
  /** Cluster-scoped, so it carries the namespace (clusterScopedName): two stacks on one cluster never collide. */
  clusterRoleName: string;
  rules: k8s.types.input.rbac.v1.PolicyRule[];
  /** The Pulumi resource names, kept as each workload first declared them so existing stacks keep their objects. */
  resourceNames: { role: string; binding: string };
}

/**
 * A ClusterRole and its binding to the workload's own ServiceAccount (named after the workload): for the
 * workloads that watch objects in namespaces the platform does not know.
 */
export function declareClusterRoleForWorkload(args: ClusterRoleForWorkloadArgs, parent: pulumi.Resource): k8s.rbac.v1.ClusterRole {
  const { identity } = args;
  const metadata = { name: args.clusterRoleName, labels: labelsOf(identity) };
  const role = new k8s.rbac.v1.ClusterRole(args.resourceNames.role, { metadata, rules: args.rules }, { parent });
  bindClusterRoleToWorkload(identity, { name: args.clusterRoleName, clusterRole: role.metadata.name, resourceName: args.resourceNames.binding }, parent);
  return role;
}

/**
 * A ClusterRoleBinding of a ClusterRole (the workload's own, or a built-in such as system:auth-delegator) to
 * the workload's own ServiceAccount, which is named after the workload.
 */
export function bindClusterRoleToWorkload(
  identity: WorkloadIdentity,
  binding: { name: pulumi.Input<string>; clusterRole: pulumi.Input<string>; resourceName: string },
  parent: pulumi.Resource,
): k8s.rbac.v1.ClusterRoleBinding {
  return new k8s.rbac.v1.ClusterRoleBinding(
    binding.resourceName,
    {
      metadata: { name: binding.name, labels: labelsOf(identity) },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: binding.clusterRole },
      subjects: [{ kind: "ServiceAccount", name: identity.name, namespace: identity.namespace }],
    },
    { parent },
  );
}
