import type { Input } from "@pulumi/pulumi";
import { KAFKA_IMAGE } from "../../images";
import { exemptConcern } from "../../k8s/lintExemptions";
import { type Mount, type ScratchDir, claimMount } from "../../k8s/mounts";
import { ONE_SHOT_RESOURCES, type RunAs, type SecureContainerArgs } from "../../k8s/podSpec";
import { PROBE_TIMINGS, tcpProbe } from "../../k8s/probes";
import { statefulPodHost, statefulPodNames } from "../../platformEndpoints";
import { CERT_FILES, CERT_ORGANIZATION } from "../certificates";
import type { ObservabilityConfig } from "../configSchema";

type KafkaSizing = ObservabilityConfig["kafka"];

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

/**
 * Every Kafka identity, by the common name of its certificate, which `ssl.principal.mapping.rules` turns into the
 * principal `User:<name>`. `broker` is the brokers' and controllers' own principal, the only super user; the ACL
 * Job authenticates as it too (below). Each other name is granted exactly the ACLs of `kafkaAcls`.
 */
export const KAFKA_PRINCIPALS = { broker: "kafka", agent: "vector-agent", aggregator: "vector-aggregator", topics: "kafka-topics" } as const;
/** The aggregator's consumer group: its Vector source joins it, and its READ ACL names it. */
export const KAFKA_CONSUMER_GROUP = "vector-aggregator";

/**
 * The two listeners, both TLS with client certificates. The names are deliberately not `SSL`: the image's start
 * script treats any `SSL://` in the advertised listeners as a request for its password-protected JKS stores
 * and refuses to start without them; a named listener mapped to SSL keeps the PEM files below.
 */
export const KAFKA_LISTENERS = { client: "CLIENT", controller: "CONTROLLER" } as const;
/** The container ports' names: probes and Services refer to them. */
export const KAFKA_PORT_NAMES = { client: "client", controller: "controller" } as const;

/** Where every Kafka pod mounts its own identity's Secret (CERT_FILES) and, for the tools, client.properties. */
export const KAFKA_TLS_DIR = "/etc/kafka/tls";
const KAFKA_CLIENT_CONFIG_DIR = "/etc/kafka/client";
export const KAFKA_CLIENT_CONFIG_FILE = "client.properties";
const KAFKA_CLIENT_CONFIG_PATH = `${KAFKA_CLIENT_CONFIG_DIR}/${KAFKA_CLIENT_CONFIG_FILE}`;
// A config provider that reads one file of a directory: `${tls:<dir>:<file>}`. Restricted to the TLS directory.
const TLS_PROVIDER = "tls";
const tlsFile = (file: string) => `\${${TLS_PROVIDER}:${KAFKA_TLS_DIR}:${file}}`;

/**
 * The key and certificate as PEM values read from the mounted files (Kafka's DirectoryConfigProvider), and the CA
 * as a PEM trust store. Not `ssl.keystore.location`: Kafka accepts a PEM key store file only with an encrypted key
 * and its password, which would be one more secret to generate, store and rotate. The key is never in a
 * variable or the ConfigMap; only its path is.
 */
export function kafkaTlsProperties(): Record<string, string> {
  return {
    "config.providers": TLS_PROVIDER,
    [`config.providers.${TLS_PROVIDER}.class`]: "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
    [`config.providers.${TLS_PROVIDER}.param.allowed.paths`]: KAFKA_TLS_DIR,
    "ssl.keystore.type": "PEM",
    "ssl.keystore.key": tlsFile(CERT_FILES.key),
    "ssl.keystore.certificate.chain": tlsFile(CERT_FILES.cert),
    "ssl.truststore.type": "PEM",
    "ssl.truststore.location": `${KAFKA_TLS_DIR}/${CERT_FILES.ca}`,
    // The server's certificate must name the host dialled (the pods' wildcard or the Service).
    "ssl.endpoint.identification.algorithm": "https",
  };
}

/**
 * The certificate subject (RFC 2253: `CN=<name>,O=production-blueprint`) → the short principal `<name>`. There is
 * no DEFAULT rule: a subject outside the organization matches nothing and its connection is refused.
 */
export const KAFKA_PRINCIPAL_MAPPING_RULE = `RULE:^CN=([a-z0-9-]+),O=${CERT_ORGANIZATION}$/$1/`;

/** The brokers' security: TLS with required client certificates on both listeners, ACLs, no anonymous access. */
export function kafkaSecurityProperties(): Record<string, string> {
  return {
    ...kafkaTlsProperties(),
    "ssl.client.auth": "required",
    "ssl.principal.mapping.rules": KAFKA_PRINCIPAL_MAPPING_RULE,
    "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "allow.everyone.if.no.acl.found": "false",
    // Brokers and controllers talk to each other as this principal; nothing else is a super user.
    "super.users": `User:${KAFKA_PRINCIPALS.broker}`,
  };
}

/** The tools' client.properties (the ACL and topic Jobs; an operator in a broker pod): TLS as the pod's own identity. */
export function kafkaClientProperties(): string {
  const properties = { "security.protocol": "SSL", ...kafkaTlsProperties() };
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")}\n`;
}

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
  const { client, controller } = KAFKA_LISTENERS;
  return {
    "process.roles": "broker,controller",
    // An empty host binds every interface; the advertised name is the pod's stable DNS name.
    listeners: `${client}://:${topology.port},${controller}://:${topology.controllerPort}`,
    // $(POD_NAME) is expanded by the kubelet from the POD_NAME variable defined before it.
    "advertised.listeners": `${client}://${brokerHost(topology, "$(POD_NAME)")}:${topology.port}`,
    "listener.security.protocol.map": `${client}:SSL,${controller}:SSL`,
    "controller.listener.names": controller,
    // Brokers replicate over the client listener, authenticated as the broker principal.
    "inter.broker.listener.name": client,
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
    ...kafkaSecurityProperties(),
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
    "--command-config",
    KAFKA_CLIENT_CONFIG_PATH,
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

/** One ACL binding as kafka-acls.sh spells it: an allowed principal, its operations, on one literal resource. */
export interface KafkaAcl {
  principal: string;
  operations: ("Read" | "Write" | "Create")[];
  resource: { topic: string } | { group: string };
}

/**
 * Every ACL, and so everything any client may do: nothing else is allowed (`allow.everyone.if.no.acl.found=false`).
 * WRITE and READ imply DESCRIBE, which producers and consumers need for metadata; Vector's producer is not
 * idempotent (librdkafka's default), and Kafka lets an idempotent one initialise with WRITE on a topic alone, so
 * no cluster-level ACL is granted to anyone.
 */
export function kafkaAcls(topic: string): KafkaAcl[] {
  return [
    // The agent only appends to the topic: it cannot read anyone's logs back, nor touch a group.
    { principal: KAFKA_PRINCIPALS.agent, operations: ["Write"], resource: { topic } },
    // The aggregator only reads the topic, through its own consumer group.
    { principal: KAFKA_PRINCIPALS.aggregator, operations: ["Read"], resource: { topic } },
    { principal: KAFKA_PRINCIPALS.aggregator, operations: ["Read"], resource: { group: KAFKA_CONSUMER_GROUP } },
    // The topic Job only creates the topic: its configs are set in the same CreateTopics request, which CREATE
    // covers, and with --if-not-exists a rerun is answered "exists" without DESCRIBE. It cannot see, read, write
    // or alter the topic afterwards (no DESCRIBE_CONFIGS, no ALTER_CONFIGS: it never changes a live topic).
    { principal: KAFKA_PRINCIPALS.topics, operations: ["Create"], resource: { topic } },
  ];
}

function aclCommand(bootstrap: string, acl: KafkaAcl): string[] {
  const resource = "topic" in acl.resource ? ["--topic", acl.resource.topic] : ["--group", acl.resource.group];
  return [
    "/opt/kafka/bin/kafka-acls.sh",
    "--bootstrap-server",
    bootstrap,
    "--command-config",
    KAFKA_CLIENT_CONFIG_PATH,
    "--add",
    "--allow-principal",
    `User:${acl.principal}`,
    ...acl.operations.flatMap((operation) => ["--operation", operation]),
    "--resource-pattern-type",
    "literal",
    ...resource,
  ];
}

/**
 * The ACL Job's script: one kafka-acls.sh --add per binding, stopping at the first failure. Adding a binding
 * that exists is a no-op, so a rerun changes nothing. Every word is a plain token, so the script needs no quoting.
 */
export function aclScript(bootstrap: string, topic: string): string {
  const lines = kafkaAcls(topic).map((acl) => aclCommand(bootstrap, acl));
  for (const word of lines.flat()) {
    if (!/^[A-Za-z0-9_.:/=,-]+$/.test(word)) throw new Error(`kafka-acls: '${word}' would need shell quoting`);
  }
  return `${["set -eu", ...lines.map((line) => line.join(" "))].join("\n")}\n`;
}

/** The broker's container: KRaft broker and controller in one process, its settings as KAFKA_* variables. */
export function brokerContainer(topology: KafkaTopology, sizing: KafkaSizing, clusterId: Input<string>, mounts: ToolMounts): SecureContainerArgs {
  const properties = kafkaServerProperties(topology, sizing);
  return {
    name: "kafka",
    image: KAFKA_IMAGE,
    resources: sizing.resources,
    command: KAFKA_START_COMMAND,
    ports: [
      { name: KAFKA_PORT_NAMES.client, containerPort: topology.port, protocol: "TCP" },
      { name: KAFKA_PORT_NAMES.controller, containerPort: topology.controllerPort, protocol: "TCP" },
    ],
    env: [
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "CLUSTER_ID", value: clusterId },
      // The heap follows the memory limit; the rest of the limit is page cache, which Kafka lives on.
      { name: "KAFKA_HEAP_OPTS", value: "-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50" },
      ...Object.entries(properties).map(([property, value]) => ({ name: toKafkaEnvName(property), value })),
    ],
    // TCP connects: a TLS listener accepts the connection before any handshake, so they need no certificate.
    probes: {
      startup: tcpProbe(KAFKA_PORT_NAMES.client, PROBE_TIMINGS.startup.jvm),
      liveness: tcpProbe(KAFKA_PORT_NAMES.controller, PROBE_TIMINGS.liveness.jvm),
      readiness: tcpProbe(KAFKA_PORT_NAMES.client, PROBE_TIMINGS.readiness.jvm),
    },
    scratch: KAFKA_SCRATCH,
    mounts: [claimMount("data", sizing.volumeSize, KAFKA_DATA_DIR), mounts.tls, mounts.clientConfig],
  };
}

/** What a pod that runs Kafka or its tools mounts: its identity's certificate Secret and the shared client.properties. */
export interface ToolMounts {
  tls: Mount;
  clientConfig: Mount;
}

/** Where each tool Job's container mounts its two volumes. */
export const KAFKA_TOOL_DIRS = { tls: KAFKA_TLS_DIR, clientConfig: KAFKA_CLIENT_CONFIG_DIR } as const;

/** A Job's container running the image's own tools, which need only their logs directory besides the mounts. */
function toolContainer(name: string, command: string[], mounts: ToolMounts): SecureContainerArgs {
  return {
    name,
    image: KAFKA_IMAGE,
    resources: ONE_SHOT_RESOURCES,
    command,
    scratch: KAFKA_SCRATCH.filter((dir) => dir.name === "logs"),
    mounts: [mounts.tls, mounts.clientConfig],
  };
}

/** The topic Job's container: kafka-topics.sh as the topic Job's own identity. */
export function topicJobContainer(name: string, bootstrap: string, topic: string, sizing: KafkaSizing, mounts: ToolMounts): SecureContainerArgs {
  return toolContainer(name, topicCommand(bootstrap, topic, sizing), mounts);
}

/** The ACL Job's container: aclScript as the broker principal, the one identity allowed to create ACLs. */
export function aclJobContainer(name: string, bootstrap: string, topic: string, mounts: ToolMounts): SecureContainerArgs {
  return toolContainer(name, ["/bin/bash", "-c", aclScript(bootstrap, topic)], mounts);
}
