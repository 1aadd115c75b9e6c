import type * as pulumi from "@pulumi/pulumi";
import { type Flow, type PodPeer, type WorkloadFlows, allowFlowsSpec, declareNetworkPolicy } from "../../k8s/network";
import { labelsOf } from "../../k8s/objectMeta";
import type { PlatformEndpoints } from "../../platformEndpoints";

export interface GrafanaFlowArgs {
  endpoints: Pick<PlatformEndpoints, "grafana" | "prometheus" | "alertmanager" | "jaeger" | "elasticsearch">;
  /** Pods allowed to open the Grafana UI (an ingress controller, say); port-forward needs no entry. */
  uiAllowFrom: PodPeer[];
  /** The log pipeline runs: Grafana queries Elasticsearch too. */
  logs: boolean;
}

/** A datasource's pods and the one port Grafana queries them on; its policy admits Grafana there. */
export interface GrafanaTarget {
  name: string;
  flows: WorkloadFlows;
}

const pods = (peer: PodPeer): PodPeer => ({ namespace: peer.namespace, podLabels: peer.podLabels });

/**
 * Grafana's flows, and nothing else: the UI clients in, and out to each datasource's query port. Each
 * datasource also gets an ingress policy of Grafana's own (NetworkPolicies add up), so the datasources'
 * tables stay as they are and turning Grafana off removes every flow it opened. DNS egress comes from the
 * namespace's own policy.
 */
export function grafanaFlows(args: GrafanaFlowArgs): { grafana: WorkloadFlows; targets: GrafanaTarget[] } {
  const { grafana, prometheus, alertmanager, jaeger, elasticsearch } = args.endpoints;
  const datasources = [
    { name: "prometheus", peer: prometheus, port: prometheus.port },
    { name: "alertmanager", peer: alertmanager, port: alertmanager.port },
    // Jaeger's query port (its UI and HTTP API), not the collector's.
    { name: "jaeger", peer: jaeger, port: jaeger.uiPort },
    ...(args.logs ? [{ name: "elasticsearch", peer: elasticsearch, port: elasticsearch.port }] : []),
  ];
  const flow = (peer: PodPeer, port: number): Flow => ({ peer: pods(peer), ports: [{ port }] });
  return {
    grafana: {
      pods: pods(grafana),
      ingress: args.uiAllowFrom.map((peer) => flow(peer, grafana.port)),
      egress: datasources.map((target) => flow(target.peer, target.port)),
    },
    targets: datasources.map((target) => ({ name: target.name, flows: { pods: pods(target.peer), ingress: [flow(grafana, target.port)], egress: [] } })),
  };
}

/** `<target>-from-grafana`: admits Grafana to one datasource's pods, on its query port only. */
export function declareTargetPolicy(target: GrafanaTarget, namespace: pulumi.Input<string>, parent: pulumi.Resource): void {
  const name = `${target.name}-from-grafana`;
  const metadata = { name, namespace, labels: labelsOf({ name: "grafana", component: "dashboards", namespace }) };
  declareNetworkPolicy(`${name}-netpol`, metadata, allowFlowsSpec(target.flows.pods.podLabels, { ingress: target.flows.ingress }), { parent });
}
