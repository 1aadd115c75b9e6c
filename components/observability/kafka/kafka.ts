import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ONE_SHOT_RESOURCES, type RunAs, type ScratchDir, secureContainer, securePodSpec, tcpProbe, volumeClaimTemplate } from "../../k8s/podSpec";
import { selectorLabels } from "../../k8s/labels";
import { exemptConcern } from "../../k8s/lintExemptions";
import { clusterHost } from "../../platformEndpoints";
import type { ObservabilityComponentArgs } from "../componentArgs";
import type { ObservabilityConfig } from "../configSchema";
import { SETUP_JOB_NAMES } from "../logPipelineFlows";
import { type WorkloadFlows, declareFlowPolicy } from "../../k8s/network";
import type { WorkloadIdentity } from "../../k8s/objectMeta";
import { declareClusterIpService, declareOneShotJob, declarePdb, declareServiceAccount, declareStatefulSet, servicePort } from "../../k8s/controllers";
import { withResourceErrors } from "../../resourceErrors";

export const KAFKA_IMAGE = "apache/kafka:4.1.1";
// The image's user (appuser) is a name, which runAsNonRoot cannot check; 1000 is its numeric UID and GID.
const KAFKA_RUN_AS: RunAs = { uid: 1000, gid: 1000, fsGroup: 1000 };
// The topic Job runs the image's own scripts too, so it keeps the image's user rather than betting on an arbitrary one.
const KAFKA_UID_EXEMPTIONS = exemptConcern("lowUid", "the official apache/kafka image owns its files as appuser, UID/GID 1000");
const KAFKA_DATA_DIR = "/var/lib/kafka/data";
// A subdirectory, so a filesystem's lost+found never sits among the partition directories.
const KAFKA_LOG_DIRS = `${KAFKA_DATA_DIR}/logs`;

// The image writes its generated server.properties into config/ and its own logs into logs/.
const KAFKA_SCRATCH: ScratchDir[] = [
  { name: "config", mountPath: "/opt/kafka/config", sizeLimit: "16Mi" },
  { name: "logs", mountPath: "/opt/kafka/logs", sizeLimit: "256Mi" },
];

// The image's run script reads the node ID from KAFKA_NODE_ID; the pod's ordinal is the hostname's suffix.
const KAFKA_START_COMMAND = ["/bin/bash", "-c", 'export KAFKA_NODE_ID="${HOSTNAME##*-}" && exec /etc/kafka/docker/run'];

export interface KafkaTopology {
  namespace: string;
  serviceName: string;
  headlessServiceName: string;
  port: number;
  controllerPort: number;
}

function brokerHost(topology: KafkaTopology, ordinal: number | string): string {
  return `${topology.serviceName}-${ordinal}.${clusterHost(topology.headlessServiceName, topology.namespace)}`;
}

/**
 * The broker's server.properties, every key spelled out: when any KAFKA_* variable is set, the image
 * ignores its bundled single-node defaults, so whatever is unset here falls back to Kafka's built-ins.
 */
function kafkaServerProperties(topology: KafkaTopology, sizing: ObservabilityConfig["kafka"]): Record<string, string> {
  const voters = Array.from({ length: sizing.replicas }, (_, ordinal) => `${ordinal}@${brokerHost(topology, ordinal)}:${topology.controllerPort}`);
  const replication = String(sizing.replicationFactor);
  const minInsync = String(sizing.minInsyncReplicas);
  return {
    "process.roles": "broker,controller",
    // An empty host binds every interface; the advertised name is the pod's stable DNS name.
    listeners: `PLAINTEXT://:${topology.port},CONTROLLER://:${topology.controllerPort}`,
    // $(POD_NAME) is expanded by the kubelet from the POD_NAME variable defined before it.
    "advertised.listeners": `PLAINTEXT://$(POD_NAME).${clusterHost(topology.headlessServiceName, topology.namespace)}:${topology.port}`,
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "controller.quorum.voters": voters.join(","),
    "log.dirs": KAFKA_LOG_DIRS,
    "num.partitions": String(sizing.partitions),
    "default.replication.factor": replication,
    "min.insync.replicas": minInsync,
    "offsets.topic.replication.factor": replication,
    "transaction.state.log.replication.factor": replication,
    "transaction.state.log.min.isr": minInsync,
    "share.coordinator.state.topic.replication.factor": replication,
    "share.coordinator.state.topic.min.isr": minInsync,
    "log.retention.hours": String(sizing.retentionHours),
    "log.segment.bytes": String(1024 ** 3),
    "log.retention.check.interval.ms": "300000",
    // Topics are created by the topic Job with their intended partitions; a typo in a client must not make one.
    "auto.create.topics.enable": "false",
    "unclean.leader.election.enable": "false",
    "group.initial.rebalance.delay.ms": "3000",
    "num.network.threads": "3",
    "num.io.threads": "8",
    "num.recovery.threads.per.data.dir": "1",
  };
}

/** `log.retention.hours` → `KAFKA_LOG_RETENTION_HOURS`, the image's naming rule for settings. */
function toKafkaEnvName(property: string): string {
  return `KAFKA_${property.replace(/\./g, "_").toUpperCase()}`;
}

/** The idempotent topic creation: --if-not-exists makes a rerun a no-op (it never changes a live topic). */
function topicCommand(bootstrap: string, topic: string, sizing: ObservabilityConfig["kafka"]): string[] {
  return [
    "/opt/kafka/bin/kafka-topics.sh",
    "--bootstrap-server",
    bootstrap,
    "--create",
    "--if-not-exists",
    "--topic",
    topic,
    "--partitions",
    String(sizing.partitions),
    "--replication-factor",
    String(sizing.replicationFactor),
    "--config",
    `min.insync.replicas=${sizing.minInsyncReplicas}`,
    "--config",
    `retention.ms=${sizing.retentionHours * 3600 * 1000}`,
  ];
}

export interface KafkaArgs extends ObservabilityComponentArgs {
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
    const endpoint = args.endpoints.kafka;
    const sizing = args.config.kafka;
    const identity: WorkloadIdentity = { name: endpoint.serviceName, component: "log-broker", namespace: args.namespaces.observability };
    const topology: KafkaTopology = { ...endpoint, namespace: endpoint.namespace };

    // 16 random bytes in URL-safe base64 without padding: the 22-character form `kafka-storage random-uuid` prints.
    // Generated once and kept in state, so every restart formats and joins the same cluster.
    const clusterId = new random.RandomId(`${name}-cluster-id`, { byteLength: 16 }, { parent: this });
    const serviceAccount = declareServiceAccount(identity, this);

    const properties = kafkaServerProperties(topology, sizing);
    const container = withResourceErrors(this, () => secureContainer({
      name: "kafka",
      image: KAFKA_IMAGE,
      runAs: KAFKA_RUN_AS,
      resources: sizing.resources,
      command: KAFKA_START_COMMAND,
      ports: [
        { name: "plaintext", containerPort: endpoint.port, protocol: "TCP" },
        { name: "controller", containerPort: endpoint.controllerPort, protocol: "TCP" },
      ],
      env: [
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "CLUSTER_ID", value: clusterId.b64Url },
        // The heap follows the memory limit; the rest of the limit is page cache, which Kafka lives on.
        { name: "KAFKA_HEAP_OPTS", value: "-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50" },
        ...Object.entries(properties).map(([property, value]) => ({ name: toKafkaEnvName(property), value })),
      ],
      probes: {
        startup: tcpProbe("plaintext", { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 }),
        liveness: tcpProbe("controller", { initialDelaySeconds: 0, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 }),
        readiness: tcpProbe("plaintext", { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
      },
      scratch: KAFKA_SCRATCH,
      volumeMounts: [{ name: "data", mountPath: KAFKA_DATA_DIR }],
    }));
    const service = declareClusterIpService(identity, [servicePort("plaintext", endpoint.port)], this);
    const cluster = declareStatefulSet(
      {
        identity,
        replicas: sizing.replicas,
        podManagementPolicy: "Parallel",
        memberPorts: [
          servicePort("plaintext", endpoint.port),
          servicePort("controller", endpoint.controllerPort),
        ],
        podSpec: securePodSpec({
          containers: [container],
          runAs: KAFKA_RUN_AS,
          serviceAccountName: serviceAccount.metadata.name,
          scratch: KAFKA_SCRATCH,
          // Time for a controlled shutdown: leadership moves away before the broker stops.
          terminationGracePeriodSeconds: 60,
          ...(sizing.replicas > 1 ? { spreadLabels: selectorLabels(identity.name) } : {}),
        }),
        volumeClaimTemplates: [volumeClaimTemplate("data", sizing.volumeSize)],
        lintExemptions: KAFKA_UID_EXEMPTIONS,
      },
      { parent: this },
    );
    declarePdb(identity, this);
    this.statefulSet = cluster.statefulSet;
    declareFlowPolicy(identity, args.flows.broker, this);

    const jobIdentity: WorkloadIdentity = { name: SETUP_JOB_NAMES.kafkaTopics, component: "log-broker-setup", namespace: identity.namespace };
    const jobScratch = KAFKA_SCRATCH.filter((dir) => dir.name === "logs");
    const jobPodSpec = securePodSpec({
      containers: [
        withResourceErrors(this, () => secureContainer({
          name: jobIdentity.name,
          image: KAFKA_IMAGE,
          runAs: KAFKA_RUN_AS,
          resources: ONE_SHOT_RESOURCES,
          command: topicCommand(endpoint.bootstrap, endpoint.topic, sizing),
          scratch: jobScratch,
        })),
      ],
      runAs: KAFKA_RUN_AS,
      serviceAccountName: serviceAccount.metadata.name,
      scratch: jobScratch,
    });
    this.topicJob = declareOneShotJob(
      { identity: jobIdentity, podSpec: jobPodSpec, backoffLimit: 6, lintExemptions: KAFKA_UID_EXEMPTIONS },
      { parent: this, dependsOn: [cluster.statefulSet, service] },
    );
    declareFlowPolicy(jobIdentity, args.flows.topicJob, this);
    this.registerOutputs({ bootstrap: endpoint.bootstrap, topic: endpoint.topic });
  }
}
