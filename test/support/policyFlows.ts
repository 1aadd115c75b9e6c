import type { KubernetesObject } from "./runs";

type Any = Record<string, any>;

/**
 * Every flow the NetworkPolicies of one namespace open for pods with the given labels, one readable
 * string per peer and port, e.g. "ingress from apps/app.kubernetes.io/name=items-api TCP/4317". A test
 * compares the whole list, so a flow nobody asked for fails it.
 */
export function openedFlows(objects: KubernetesObject[], namespace: string, podLabels: Record<string, string>): { ingress: string[]; egress: string[] } {
  const policies = objects.filter((object) => object.kind === "NetworkPolicy" && object.metadata.namespace === namespace) as Any[];
  const selecting = policies.filter((policy) => Object.entries(policy.spec.podSelector.matchLabels ?? {}).every(([key, value]) => podLabels[key] === value));
  const describe = (direction: "ingress" | "egress") =>
    selecting
      .flatMap((policy) =>
        (policy.spec[direction] ?? []).flatMap((rule: Any) =>
          (direction === "ingress" ? rule.from : rule.to).flatMap((peer: Any) =>
            (rule.ports ?? [{ port: "any", protocol: "any" }]).map((port: Any) => `${direction === "ingress" ? "from" : "to"} ${peerName(peer)} ${port.protocol}/${port.port}`),
          ),
        ),
      )
      .sort();
  return { ingress: describe("ingress"), egress: describe("egress") };
}

/** The policy types the selecting policies enforce: both must be present for default-deny to hold. */
export function enforcedDirections(objects: KubernetesObject[], namespace: string, podLabels: Record<string, string>): string[] {
  const policies = objects.filter((object) => object.kind === "NetworkPolicy" && object.metadata.namespace === namespace) as Any[];
  const types = policies
    .filter((policy) => Object.entries(policy.spec.podSelector.matchLabels ?? {}).every(([key, value]) => podLabels[key] === value))
    .flatMap((policy) => policy.spec.policyTypes ?? []);
  return [...new Set(types)].sort() as string[];
}

const labelList = (labels: Record<string, string> = {}) => Object.entries(labels).map(([key, value]) => `${key}=${value}`);

/** `ns/labels` for a namespace by name, `ns[labels]/labels` for namespaces selected by label. */
function peerName(peer: Any): string {
  if (peer.ipBlock) return `cidr:${peer.ipBlock.cidr}${peer.ipBlock.except ? ` except ${peer.ipBlock.except.join(",")}` : ""}`;
  const matchLabels = peer.namespaceSelector?.matchLabels;
  const byName = matchLabels?.["kubernetes.io/metadata.name"];
  const namespace = byName ?? (matchLabels ? `ns[${labelList(matchLabels).join(",")}]` : "<same namespace>");
  return `${namespace}/${labelList(peer.podSelector?.matchLabels).join(",") || "*"}`;
}
