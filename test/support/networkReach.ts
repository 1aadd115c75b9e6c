import type { KubernetesObject } from "./runs";

/**
 * Kubernetes NetworkPolicy semantics, evaluated over declared objects: a connection from pod A to pod B on
 * a port is allowed when B's ingress and A's egress both allow it. A pod no policy selects for a direction
 * is open in that direction. CIDR peers are assumed to cover every pod (pod IPs are unknown offline), so
 * the evaluator errs towards "reachable" and never hides a flow.
 */
export interface Pod {
  namespace: string;
  labels: Record<string, string>;
  /** Named container ports; when given, a policy port by name must name this port number on the destination. */
  namedPorts?: Record<string, number>;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}

interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port?: number | string; endPort?: number; protocol?: string }[];
}

interface PolicySpec {
  podSelector: LabelSelector;
  policyTypes?: ("Ingress" | "Egress")[];
  ingress?: Rule[];
  egress?: Rule[];
}

type Direction = "Ingress" | "Egress";

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case "In":
        return key in labels && values.includes(labels[key]);
      case "NotIn":
        return !(key in labels && values.includes(labels[key]));
      case "Exists":
        return key in labels;
      case "DoesNotExist":
        return !(key in labels);
    }
  });
  return byLabel && byExpression;
}

export class NetworkModel {
  private readonly policies: { namespace: string; spec: PolicySpec }[];
  private readonly namespaceLabels: Map<string, Record<string, string>>;

  constructor(objects: KubernetesObject[]) {
    this.policies = objects
      .filter((object) => object.kind === "NetworkPolicy")
      .map((object) => ({ namespace: object.metadata.namespace ?? "default", spec: object.spec as PolicySpec }));
    this.namespaceLabels = new Map(objects.filter((object) => object.kind === "Namespace").map((object) => [object.metadata.name, object.metadata.labels ?? {}]));
  }

  /** Declared labels plus the one the API server puts on every namespace. */
  private labelsOfNamespace(namespace: string): Record<string, string> {
    return { ...(this.namespaceLabels.get(namespace) ?? {}), "kubernetes.io/metadata.name": namespace };
  }

  private peerMatches(peer: Peer, policyNamespace: string, pod: Pod): boolean {
    if (peer.ipBlock) return true;
    const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, this.labelsOfNamespace(pod.namespace)) : pod.namespace === policyNamespace;
    return namespaceOk && selects(peer.podSelector, pod.labels);
  }

  private static portMatches(rule: Rule, port: number, destination: Pod): boolean {
    if (!rule.ports || rule.ports.length === 0) return true;
    const named = (name: string) => destination.namedPorts === undefined || destination.namedPorts[name] === port;
    return rule.ports.some(
      (entry) =>
        (entry.protocol ?? "TCP") === "TCP" &&
        (entry.port === undefined ||
          (typeof entry.port === "string" && named(entry.port)) ||
          entry.port === port ||
          (entry.endPort !== undefined && typeof entry.port === "number" && port >= entry.port && port <= entry.endPort)),
    );
  }

  private static typesOf(spec: PolicySpec): Direction[] {
    return spec.policyTypes ?? (spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
  }

  /** Whether `subject`'s policies for `direction` let it talk to `other` on `port`. */
  private allows(direction: Direction, subject: Pod, other: Pod, port: number): boolean {
    const selecting = this.policies.filter(
      ({ namespace, spec }) => namespace === subject.namespace && selects(spec.podSelector, subject.labels) && NetworkModel.typesOf(spec).includes(direction),
    );
    if (selecting.length === 0) return true;
    return selecting.some(({ namespace, spec }) =>
      ((direction === "Ingress" ? spec.ingress : spec.egress) ?? []).some((rule) => {
        const peers = direction === "Ingress" ? rule.from : rule.to;
        return NetworkModel.portMatches(rule, port, direction === "Ingress" ? subject : other) && (!peers || peers.length === 0 || peers.some((peer) => this.peerMatches(peer, namespace, other)));
      }),
    );
  }

  ingressAllows(target: Pod, source: Pod, port: number): boolean {
    return this.allows("Ingress", target, source, port);
  }

  egressAllows(source: Pod, target: Pod, port: number): boolean {
    return this.allows("Egress", source, target, port);
  }

  canConnect(source: Pod, target: Pod, port: number): boolean {
    return this.ingressAllows(target, source, port) && this.egressAllows(source, target, port);
  }
}
