import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { type WorkloadIdentity, metadataOf } from "./objectMeta";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** Pods selected by labels in one namespace; the namespace may be an Output (another stack's, say). */
export interface PodPeer {
  namespace: pulumi.Input<string>;
  podLabels: Record<string, string>;
}

/** Addresses outside the cluster's pod network (an external Vault, say). */
export interface CidrPeer {
  cidr: string;
  /** Ranges inside `cidr` that stay closed (the cluster's private ranges inside "the internet", say). */
  except?: string[];
}

/**
 * Pods selected by labels in every namespace that carries `namespaceLabels`: how the platform admits
 * workloads it does not know by name (services of other projects that enrolled by label).
 */
export interface LabelPeer {
  namespaceLabels: Record<string, string>;
  podLabels: Record<string, string>;
}

export type NetworkPeer = PodPeer | CidrPeer | LabelPeer;

export interface PortSpec {
  /** A number, or the name of a container port on the destination pods (their port may differ per workload). */
  port: number | string;
  protocol?: "TCP" | "UDP";
}

export interface Flow {
  peer: NetworkPeer;
  ports: PortSpec[];
}

const DNS_PEER: PodPeer = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } };
const DNS_PORTS: PortSpec[] = [
  { port: 53, protocol: "UDP" },
  { port: 53, protocol: "TCP" },
];

function toPeer(peer: NetworkPeer): NetworkPolicyPeer {
  if ("cidr" in peer) return { ipBlock: { cidr: peer.cidr, ...(peer.except?.length ? { except: peer.except } : {}) } };
  if ("namespaceLabels" in peer) return { namespaceSelector: { matchLabels: peer.namespaceLabels }, podSelector: { matchLabels: peer.podLabels } };
  return {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": peer.namespace } },
    podSelector: { matchLabels: peer.podLabels },
  };
}

function toPorts(ports: PortSpec[]) {
  return ports.map((port) => ({ port: port.port, protocol: port.protocol ?? "TCP" }));
}

/** Denies all ingress and egress for every pod in the namespace; allow policies then open single flows. */
export function defaultDenySpec(): NetworkPolicySpec {
  return { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
}

/** Lets every pod in the namespace resolve names, and nothing else. */
export function dnsEgressSpec(): NetworkPolicySpec {
  return { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [toPeer(DNS_PEER)], ports: toPorts(DNS_PORTS) }] };
}

/** Opens exactly the listed flows for the selected pods; a direction with no flows stays denied. */
export function allowFlowsSpec(podLabels: Record<string, string>, flows: { ingress?: Flow[]; egress?: Flow[] }): NetworkPolicySpec {
  const ingress = flows.ingress ?? [];
  const egress = flows.egress ?? [];
  return {
    podSelector: { matchLabels: podLabels },
    policyTypes: [...(ingress.length ? ["Ingress"] : []), ...(egress.length ? ["Egress"] : [])],
    ...(ingress.length ? { ingress: ingress.map((flow) => ({ from: [toPeer(flow.peer)], ports: toPorts(flow.ports) })) } : {}),
    ...(egress.length ? { egress: egress.map((flow) => ({ to: [toPeer(flow.peer)], ports: toPorts(flow.ports) })) } : {}),
  };
}

export function declareNetworkPolicy(
  resourceName: string,
  metadata: { name: string; namespace: pulumi.Input<string>; labels?: Record<string, string> },
  spec: NetworkPolicySpec,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(resourceName, { metadata, spec }, opts);
}

/** The flows of one workload: the pods its policy selects, and what may reach them and what they may reach. */
export interface WorkloadFlows {
  pods: PodPeer;
  ingress: Flow[];
  egress: Flow[];
}

/** The allow policy of one workload: exactly its flows, nothing more. */
export function declareFlowPolicy(identity: WorkloadIdentity, flows: WorkloadFlows, parent: pulumi.Resource): k8s.networking.v1.NetworkPolicy {
  return declareNetworkPolicy(
    `${identity.name}-netpol`,
    metadataOf(identity),
    allowFlowsSpec(flows.pods.podLabels, { ingress: flows.ingress, egress: flows.egress }),
    { parent },
  );
}
