/**
 * Namespaces no service may name for itself. Kubernetes' own would get the platform's restricted label and a
 * default-deny policy, which breaks the cluster's system pods; the platform's own are declared by the
 * platform, and a service there would collide with it (and widen its NetworkPolicies).
 */
export const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default"] as const;

/** The namespaces the platform itself uses, from the stack's config (only the keys that name namespaces). */
export interface PlatformNamespaceConfig {
  namespaces: { observability: string; logAgent: string };
  ingressController: { namespace: string };
  vault: { enabled: false } | { enabled: true; network: { namespace: string } | { cidr: string } };
}

/** Every namespace a service may not name, with why: Kubernetes' own and the platform's. */
export function reservedNamespaces(config: PlatformNamespaceConfig): Map<string, string> {
  const reserved = new Map<string, string>(SYSTEM_NAMESPACES.map((namespace) => [namespace, "a Kubernetes system namespace"]));
  reserved.set(config.namespaces.observability, "the platform's observability namespace (namespaces.observability)");
  reserved.set(config.namespaces.logAgent, "the platform's log agent namespace (namespaces.logAgent)");
  reserved.set(config.ingressController.namespace, "the ingress controller's namespace (ingressController.namespace)");
  if (config.vault.enabled && "namespace" in config.vault.network) reserved.set(config.vault.network.namespace, "Vault's namespace (vault.network.namespace)");
  return reserved;
}

/** Why a service may not live in `namespace`, or undefined when it may. */
export function reservedNamespaceReason(namespace: string, config: PlatformNamespaceConfig): string | undefined {
  const reason = reservedNamespaces(config).get(namespace);
  return reason === undefined ? undefined : `'${namespace}' is ${reason}; services live in namespaces.apps or a namespace of their own`;
}
