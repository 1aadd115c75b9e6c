import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { declareOneShotJob, servicePort } from "../../k8s/controllers";
import type { WorkloadFlows } from "../../k8s/network";
import { declareFlowPolicy } from "../../k8s/network";
import type { WorkloadIdentity } from "../../k8s/objectMeta";
import { declareWorkload, quorumMembers } from "../../k8s/workload";
import type { SystemArgs } from "../componentArgs";
import { SETUP_JOB_NAMES } from "../logPipelineFlows";
import { KAFKA_RUN_AS, KAFKA_UID_EXEMPTIONS, type KafkaTopology, brokerContainer, topicJobContainer } from "./kafkaConfig";

export interface KafkaArgs extends SystemArgs<"kafka"> {
  flows: { broker: WorkloadFlows; topicJob: WorkloadFlows };
}

/**
 * Kafka in KRaft mode (no ZooKeeper to run): combined broker/controller nodes, the app-logs topic, its
 * policies. It buffers logs between the agent and the aggregator, so a slow or down Elasticsearch loses nothing.
 */
export class Kafka extends pulumi.ComponentResource {
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly topicJob: k8s.batch.v1.Job;

  constructor(name: string, args: KafkaArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:Kafka", name, {}, opts);
    const { endpoint, config: sizing } = args;
    const identity: WorkloadIdentity = { name: endpoint.serviceName, component: "log-broker", namespace: args.namespace };
    const topology: KafkaTopology = { ...endpoint, namespace: endpoint.namespace };

    // 16 random bytes in URL-safe base64 without padding: the 22-character form `kafka-storage random-uuid` prints.
    // Generated once and kept in state, so every restart formats and joins the same cluster.
    const clusterId = new random.RandomId(`${name}-cluster-id`, { byteLength: 16 }, { parent: this });
    const broker = declareWorkload({
      identity,
      parent: this,
      controller: quorumMembers(sizing.replicas, [servicePort("plaintext", endpoint.port), servicePort("controller", endpoint.controllerPort)]),
      runAs: KAFKA_RUN_AS,
      containers: [brokerContainer(topology, sizing, clusterId.b64Url)],
      // Time for a controlled shutdown: leadership moves away before the broker stops.
      terminationGracePeriodSeconds: 60,
      lintExemptions: KAFKA_UID_EXEMPTIONS,
      services: [{ ports: [servicePort("plaintext", endpoint.port)] }],
      flows: args.flows.broker,
    });
    this.statefulSet = broker.controller as k8s.apps.v1.StatefulSet;

    const jobIdentity: WorkloadIdentity = { name: SETUP_JOB_NAMES.kafkaTopics, component: "log-broker-setup", namespace: identity.namespace };
    this.topicJob = declareOneShotJob(
      {
        identity: jobIdentity,
        container: topicJobContainer(jobIdentity.name, endpoint.bootstrap, endpoint.topic, sizing),
        runAs: KAFKA_RUN_AS,
        serviceAccountName: broker.serviceAccount.metadata.name,
        backoffLimit: 6,
        lintExemptions: KAFKA_UID_EXEMPTIONS,
      },
      { parent: this, dependsOn: [this.statefulSet, broker.services[identity.name]] },
    );
    declareFlowPolicy(jobIdentity, args.flows.topicJob, this);
    this.registerOutputs({ bootstrap: endpoint.bootstrap, topic: endpoint.topic });
  }
}
