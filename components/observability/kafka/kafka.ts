import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { declareConfigMap, declareOneShotJob, headlessServiceName, servicePort } from "../../k8s/controllers";
import { configMapMount } from "../../k8s/mounts";
import type { WorkloadFlows } from "../../k8s/network";
import { declareFlowPolicy } from "../../k8s/network";
import { type WorkloadIdentity, checksumOf } from "../../k8s/objectMeta";
import { declareWorkload, quorumMembers } from "../../k8s/workload";
import { type CertificateAuthority, declareCertificateAuthority, statefulSetDnsNames } from "../certificates";
import type { SystemArgs } from "../componentArgs";
import { SETUP_JOB_NAMES } from "../logPipelineFlows";
import { declareKafkaCert, kafkaTlsMount } from "./clientCerts";
import {
  KAFKA_CLIENT_CONFIG_FILE,
  KAFKA_PORT_NAMES,
  KAFKA_PRINCIPALS,
  KAFKA_RUN_AS,
  KAFKA_TOOL_DIRS,
  KAFKA_UID_EXEMPTIONS,
  type KafkaTopology,
  type ToolMounts,
  aclJobContainer,
  brokerContainer,
  kafkaClientProperties,
  topicJobContainer,
} from "./kafkaConfig";

export interface KafkaArgs extends SystemArgs<"kafka"> {
  flows: { broker: WorkloadFlows; aclJob: WorkloadFlows; topicJob: WorkloadFlows };
}

/**
 * Kafka in KRaft mode (no ZooKeeper to run): combined broker/controller nodes, TLS with client certificates on
 * every listener, ACLs, the app-logs topic and its policies. It buffers logs between the agent and the
 * aggregator, so a slow or down Elasticsearch loses nothing.
 */
export class Kafka extends pulumi.ComponentResource {
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly aclJob: k8s.batch.v1.Job;
  readonly topicJob: k8s.batch.v1.Job;
  /**
   * Kafka's own private CA: it signs the brokers' certificate and every client's (the Vector roles' too), and
   * is the only one the brokers trust. Not Elasticsearch's: a Kafka client's certificate must never pass
   * Elasticsearch's transport check (certificates.ts).
   */
  readonly ca: CertificateAuthority;

  constructor(name: string, args: KafkaArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:Kafka", name, {}, opts);
    const { endpoint, config: sizing } = args;
    const identity: WorkloadIdentity = { name: endpoint.serviceName, component: "log-broker", namespace: args.namespace };
    const ca = declareCertificateAuthority(identity.name, this);
    this.ca = ca;
    const topology: KafkaTopology = { ...endpoint, namespace: endpoint.namespace };

    // 16 random bytes in URL-safe base64 without padding: the 22-character form `kafka-storage random-uuid` prints.
    // Generated once and kept in state, so every restart formats and joins the same cluster.
    const clusterId = new random.RandomId(`${name}-cluster-id`, { byteLength: 16 }, { parent: this });
    // Server and client: brokers and controllers connect to each other with it, as the super user.
    const brokerCert = declareKafkaCert(
      identity,
      { principal: KAFKA_PRINCIPALS.broker, dnsNames: statefulSetDnsNames(endpoint.serviceName, headlessServiceName(endpoint.serviceName), endpoint.namespace) },
      ca,
      this,
    );
    // Paths only, no secret: each pod that runs the tools reads it with its own identity's Secret mounted beside
    // it. The brokers mount it too, so an operator's kafka-topics.sh in a broker pod runs as the super user.
    const clientConfig = declareConfigMap(identity, `${identity.name}-client-config`, { [KAFKA_CLIENT_CONFIG_FILE]: kafkaClientProperties() }, { parent: this });
    const toolMounts = (secretName: string): ToolMounts => ({
      tls: kafkaTlsMount(secretName),
      clientConfig: configMapMount("client-config", clientConfig.metadata.name, KAFKA_TOOL_DIRS.clientConfig),
    });
    const broker = declareWorkload({
      identity,
      parent: this,
      controller: quorumMembers(sizing.replicas, [servicePort(KAFKA_PORT_NAMES.client, endpoint.port), servicePort(KAFKA_PORT_NAMES.controller, endpoint.controllerPort)]),
      runAs: KAFKA_RUN_AS,
      containers: [brokerContainer(topology, sizing, clusterId.b64Url, toolMounts(brokerCert.secretName))],
      // Kafka reads its certificate only at start: a re-issued one rolls the brokers, one at a time.
      template: { checksums: { "tls-certificate": brokerCert.certPem.apply(checksumOf) } },
      // Time for a controlled shutdown: leadership moves away before the broker stops.
      terminationGracePeriodSeconds: 60,
      lintExemptions: KAFKA_UID_EXEMPTIONS,
      services: [{ ports: [servicePort(KAFKA_PORT_NAMES.client, endpoint.port)] }],
      flows: args.flows.broker,
    });
    this.statefulSet = broker.controller as k8s.apps.v1.StatefulSet;

    const waitFor = [this.statefulSet, broker.services[identity.name], clientConfig];

    // The ACLs are created as the broker principal, the only identity allowed to create any before one exists.
    // Its certificate is a client certificate of its own: the brokers' serving key never leaves their pods.
    const aclIdentity: WorkloadIdentity = { name: SETUP_JOB_NAMES.kafkaAcls, component: "log-broker-setup", namespace: identity.namespace };
    const aclCert = declareKafkaCert(aclIdentity, { principal: KAFKA_PRINCIPALS.broker }, ca, this);
    this.aclJob = declareOneShotJob(
      {
        identity: aclIdentity,
        container: aclJobContainer(aclIdentity.name, endpoint.bootstrap, endpoint.topic, toolMounts(aclCert.secretName)),
        runAs: KAFKA_RUN_AS,
        serviceAccountName: broker.serviceAccount.metadata.name,
        backoffLimit: 6,
        lintExemptions: KAFKA_UID_EXEMPTIONS,
      },
      { parent: this, dependsOn: [...waitFor, aclCert.secret] },
    );
    declareFlowPolicy(aclIdentity, args.flows.aclJob, this);

    // The topic Job may only create the topic: its ACLs exist once the ACL Job has completed.
    const jobIdentity: WorkloadIdentity = { name: SETUP_JOB_NAMES.kafkaTopics, component: "log-broker-setup", namespace: identity.namespace };
    const topicCert = declareKafkaCert(jobIdentity, { principal: KAFKA_PRINCIPALS.topics }, ca, this);
    this.topicJob = declareOneShotJob(
      {
        identity: jobIdentity,
        container: topicJobContainer(jobIdentity.name, endpoint.bootstrap, endpoint.topic, sizing, toolMounts(topicCert.secretName)),
        runAs: KAFKA_RUN_AS,
        serviceAccountName: broker.serviceAccount.metadata.name,
        backoffLimit: 6,
        lintExemptions: KAFKA_UID_EXEMPTIONS,
      },
      { parent: this, dependsOn: [...waitFor, topicCert.secret, this.aclJob] },
    );
    declareFlowPolicy(jobIdentity, args.flows.topicJob, this);
    this.registerOutputs({ bootstrap: endpoint.bootstrap, topic: endpoint.topic });
  }
}
