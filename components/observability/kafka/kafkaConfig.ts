import type { Input } from "@pulumi/pulumi";
import { exemptConcern } from "../../k8s/lintExemptions";
import { type ScratchDir, claimMount } from "../../k8s/mounts";
import { ONE_SHOT_RESOURCES, type RunAs, type SecureContainerArgs } from "../../k8s/podSpec";
import { PROBE_TIMINGS, tcpProbe } from "../../k8s/probes";
import { statefulPodHost, statefulPodNames } from "../../platformEndpoints";
import type { ObservabilityConfig } from "../configSchema";

type KafkaSizing = ObservabilityConfig["kafka"];

export const KAFKA_IMAGE = "apache/kafka:4.1.1";
// The image's user (appuser) is a name, which runAsNonRoot cannot check; 1000 is its numeric UID and GID.
export const KAFKA_RUN_AS: RunAs = { uid: 1000, gid: 1000, fsGroup: 1000 };
// The topic Job runs the image's own scripts too, so it keeps the image's user rather than betting on an arbitrary one.
export const KAFKA_UID_EXEMPTIONS = exemptConcern("lowUid", "the official apache/kafka image owns its files as appuser, UID/GID 1000");
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

function brokerHost(topology: KafkaTopology, pod: string): string {
  return statefulPodHost(pod, topology.headlessServiceName, topology.namespace);
}

/**
 * The broker's server.properties, every key spelled out: when any KAFKA_* variable is set, the image
 * ignores its bundled single-node defaults, so whatever is unset here falls back to Kafka's built-ins.
 */
export function kafkaServerProperties(topology: KafkaTopology, sizing: KafkaSizing): Record<string, string> {
  const voters = statefulPodNames(topology.serviceName, sizing.replicas).map((pod, ordinal) => `${ordinal}@${brokerHost(topology, pod)}:${topology.controllerPort}`);
  const replication = String(sizing.replicationFactor);
  const minInsync = String(sizing.minInsyncReplicas);
  return {
    "process.roles": "broker,controller",
    // An empty host binds every interface; the advertised name is the pod's stable DNS name.
    listeners: `PLAINTEXT://:${topology.port},CONTROLLER://:${topology.controllerPort}`,
    // $(POD_NAME) is expanded by the kubelet from the POD_NAME variable defined before it.
    "advertised.listeners": `PLAINTEXT://${brokerHost(topology, "$(POD_NAME)")}:${topology.port}`,
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
export function topicCommand(bootstrap: string, topic: string, sizing: KafkaSizing): string[] {
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

/** The broker's container: KRaft broker and controller in one process, its settings as KAFKA_* variables. */
export function brokerContainer(topology: KafkaTopology, sizing: KafkaSizing, clusterId: Input<string>): SecureContainerArgs {
  const properties = kafkaServerProperties(topology, sizing);
  return {
    name: "kafka",
    image: KAFKA_IMAGE,
    resources: sizing.resources,
    command: KAFKA_START_COMMAND,
    ports: [
      { name: "plaintext", containerPort: topology.port, protocol: "TCP" },
      { name: "controller", containerPort: topology.controllerPort, protocol: "TCP" },
    ],
    env: [
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "CLUSTER_ID", value: clusterId },
      // The heap follows the memory limit; the rest of the limit is page cache, which Kafka lives on.
      { name: "KAFKA_HEAP_OPTS", value: "-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50" },
      ...Object.entries(properties).map(([property, value]) => ({ name: toKafkaEnvName(property), value })),
    ],
    probes: {
      startup: tcpProbe("plaintext", PROBE_TIMINGS.startup.jvm),
      liveness: tcpProbe("controller", PROBE_TIMINGS.liveness.jvm),
      readiness: tcpProbe("plaintext", PROBE_TIMINGS.readiness.jvm),
    },
    scratch: KAFKA_SCRATCH,
    mounts: [claimMount("data", sizing.volumeSize, KAFKA_DATA_DIR)],
  };
}

/** The topic Job's container: the image's own kafka-topics.sh, which needs only its logs directory. */
export function topicJobContainer(name: string, bootstrap: string, topic: string, sizing: KafkaSizing): SecureContainerArgs {
  return {
    name,
    image: KAFKA_IMAGE,
    resources: ONE_SHOT_RESOURCES,
    command: topicCommand(bootstrap, topic, sizing),
    scratch: KAFKA_SCRATCH.filter((dir) => dir.name === "logs"),
  };
}
