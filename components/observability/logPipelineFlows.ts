import type { CidrPeer, Flow, PodPeer, WorkloadFlows } from "../k8s/network";
import type { PlatformEndpoints } from "../platformEndpoints";
import { placement } from "../placement";

/** The one-shot setup Jobs of the log pipeline: each talks to exactly one system. */
export const SETUP_JOB_NAMES = { kafkaAcls: "kafka-acls", kafkaTopics: "kafka-topics", elasticsearchSetup: "elasticsearch-setup", kibanaSetup: "kibana-setup" } as const;

export type LogPipelineWorkload = "kafka" | "elasticsearch" | "kibana" | "vectorAgent" | "vectorAggregator" | keyof typeof SETUP_JOB_NAMES;

export interface LogPipelineFlowArgs {
  endpoints: PlatformEndpoints;
  /** Where the API server answers; the Vector agent's kubernetes_logs source watches pods through it. */
  apiServer: { cidrs: string[]; ports: number[] };
  /** Pods allowed to open the Kibana UI (an ingress controller, say); port-forward needs no entry. */
  kibanaUiAllowFrom: PodPeer[];
}


const pods = (peer: PodPeer): PodPeer => ({ namespace: peer.namespace, podLabels: peer.podLabels });
const flow = (peer: PodPeer | CidrPeer, ...ports: number[]): Flow => ({ peer: "cidr" in peer ? peer : pods(peer), ports: ports.map((port) => ({ port })) });

/**
 * Every network flow of the log pipeline (docs/architecture.md), and nothing else: each workload's policy is built
 * from its entry, and the tests compare the rendered policies with this table. DNS egress comes from the
 * namespace's own policy.
 */
export function logPipelineFlows(args: LogPipelineFlowArgs): Record<LogPipelineWorkload, WorkloadFlows> {
  const { kafka, elasticsearch: es, kibana, vectorAgent, vectorAggregator, prometheus } = args.endpoints;
  const jobs = {
    kafkaAcls: placement(SETUP_JOB_NAMES.kafkaAcls, kafka.namespace),
    kafkaTopics: placement(SETUP_JOB_NAMES.kafkaTopics, kafka.namespace),
    elasticsearchSetup: placement(SETUP_JOB_NAMES.elasticsearchSetup, es.namespace),
    kibanaSetup: placement(SETUP_JOB_NAMES.kibanaSetup, kibana.namespace),
  };
  const apiServer = args.apiServer.cidrs.map((cidr) => flow({ cidr }, ...args.apiServer.ports));
  return {
    kafka: {
      pods: pods(kafka),
      ingress: [
        flow(vectorAgent, kafka.port),
        flow(vectorAggregator, kafka.port),
        flow(jobs.kafkaAcls, kafka.port),
        flow(jobs.kafkaTopics, kafka.port),
        // Brokers replicate over the client listener and the KRaft quorum talks over CONTROLLER, both TLS.
        flow(kafka, kafka.port, kafka.controllerPort),
      ],
      egress: [flow(kafka, kafka.port, kafka.controllerPort)],
    },
    elasticsearch: {
      pods: pods(es),
      ingress: [flow(vectorAggregator, es.port), flow(kibana, es.port), flow(jobs.elasticsearchSetup, es.port), flow(es, es.transportPort)],
      egress: [flow(es, es.transportPort)],
    },
    kibana: {
      pods: pods(kibana),
      ingress: [flow(jobs.kibanaSetup, kibana.port), ...args.kibanaUiAllowFrom.map((peer) => flow(peer, kibana.port))],
      egress: [flow(es, es.port)],
    },
    vectorAgent: {
      pods: pods(vectorAgent),
      ingress: [flow(prometheus, vectorAgent.metricsPort)],
      egress: [flow(kafka, kafka.port), ...apiServer],
    },
    vectorAggregator: {
      pods: pods(vectorAggregator),
      ingress: [flow(prometheus, vectorAggregator.metricsPort)],
      egress: [flow(kafka, kafka.port), flow(es, es.port)],
    },
    kafkaAcls: { pods: jobs.kafkaAcls, ingress: [], egress: [flow(kafka, kafka.port)] },
    kafkaTopics: { pods: jobs.kafkaTopics, ingress: [], egress: [flow(kafka, kafka.port)] },
    elasticsearchSetup: { pods: jobs.elasticsearchSetup, ingress: [], egress: [flow(es, es.port)] },
    kibanaSetup: { pods: jobs.kibanaSetup, ingress: [], egress: [flow(kibana, kibana.port)] },
  };
}
