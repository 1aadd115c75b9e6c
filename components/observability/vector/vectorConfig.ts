import { stringify } from "yaml";
import { CERT_FILES } from "../certificates";
import { DAILY_SUFFIX, INDEX_FAMILIES, WRITER } from "../elasticsearch";
import { KAFKA_CONSUMER_GROUP } from "../kafka/kafkaConfig";

// Typed subset of Vector's configuration (https://vector.dev/docs/reference/configuration/): a wrong key
// is a compile error, and the tests read fields instead of grepping text.

/** Vector's smallest disk buffer is 268435488 bytes (256 MiB + 32): a flat 256 MiB is rejected at start. */
export const DISK_BUFFER_BYTES = 268_435_488;
export const DATA_DIR = "/vector-data-dir";
export const CONFIG_DIR = "/etc/vector";
export const CONFIG_FILE = "vector.yaml";
export const API_PORT = 8686;
const PIPELINE = "app-logs";
/** Access logs of these paths (probes, scrapes) are noise: dropped before they cost Kafka or Elasticsearch. */
const DROPPED_PATHS = ["/health", "/ready", "/metrics"];
/** Levels routed to the app-errors indices; pino says fatal where the Python service said critical. */
const ERROR_LEVELS = ["error", "critical", "fatal"];

export interface DiskBuffer {
  type: "disk";
  max_size: number;
  when_full: "block";
}
export interface Acknowledgements {
  enabled: true;
}

export interface KubernetesLogsSource {
  type: "kubernetes_logs";
  extra_field_selector?: string;
}
/**
 * TLS with a client certificate (Vector's kafka `tls.*`, handed to librdkafka): `enabled` makes the protocol SSL,
 * the key and certificate are the identity Kafka authorizes, the CA is the only one trusted, and the broker's
 * certificate must name the host dialled.
 */
export interface KafkaTls {
  enabled: true;
  ca_file: string;
  crt_file: string;
  key_file: string;
  verify_certificate: true;
  verify_hostname: true;
}
export interface KafkaSource {
  type: "kafka";
  bootstrap_servers: string;
  tls: KafkaTls;
  group_id: string;
  topics: string[];
  auto_offset_reset: "earliest" | "latest";
  decoding: { codec: "json" };
}
export interface InternalMetricsSource {
  type: "internal_metrics";
}
export type Source = KubernetesLogsSource | KafkaSource | InternalMetricsSource;

export interface RemapTransform {
  type: "remap";
  inputs: string[];
  source: string;
}
export interface FilterTransform {
  type: "filter";
  inputs: string[];
  condition: string;
}
export interface RouteTransform {
  type: "route";
  inputs: string[];
  route: Record<string, string>;
}
export type Transform = RemapTransform | FilterTransform | RouteTransform;

export interface KafkaSink {
  type: "kafka";
  inputs: string[];
  bootstrap_servers: string;
  tls: KafkaTls;
  topic: string;
  key_field?: string;
  compression: "zstd" | "none";
  encoding: { codec: "json" };
  librdkafka_options?: Record<string, string>;
  buffer: DiskBuffer;
  acknowledgements: Acknowledgements;
}
export interface ElasticsearchSink {
  type: "elasticsearch";
  inputs: string[];
  endpoints: string[];
  api_version: "v8";
  mode: "bulk";
  bulk: { action: "create"; index: string };
  auth: { strategy: "basic"; user: string; password: string };
  tls: { ca_file: string };
  healthcheck: { enabled: boolean };
  buffer: DiskBuffer;
  acknowledgements: Acknowledgements;
}
export interface PrometheusExporterSink {
  type: "prometheus_exporter";
  inputs: string[];
  address: string;
}
export type Sink = KafkaSink | ElasticsearchSink | PrometheusExporterSink;

/** A directory secret backend: each file is one secret, named by its file name (`SECRET[<backend>.<file>]`). */
export interface DirectorySecretBackend {
  type: "directory";
  path: string;
  remove_trailing_whitespace: boolean;
}

export interface VectorConfig {
  data_dir: string;
  api: { enabled: true; address: string };
  secret?: Record<string, DirectorySecretBackend>;
  sources: Record<string, Source>;
  transforms: Record<string, Transform>;
  sinks: Record<string, Sink>;
}

const DISK_BUFFER: DiskBuffer = { type: "disk", max_size: DISK_BUFFER_BYTES, when_full: "block" };
// Sources wait for the sink's acknowledgement: the agent checkpoints a file, the aggregator commits an
// offset, only after Kafka (acks=all) or Elasticsearch has accepted the event.
const END_TO_END: Acknowledgements = { enabled: true };

function base(sources: Record<string, Source>, transforms: Record<string, Transform>, sinks: Record<string, Sink>, metricsPort: number): VectorConfig {
  return {
    data_dir: DATA_DIR,
    api: { enabled: true, address: `0.0.0.0:${API_PORT}` },
    sources: { ...sources, vector_metrics: { type: "internal_metrics" } },
    transforms,
    sinks: { ...sinks, prometheus: { type: "prometheus_exporter", inputs: ["vector_metrics"], address: `0.0.0.0:${metricsPort}` } },
  };
}

const quoted = (values: string[]) => `[${values.map((value) => JSON.stringify(value)).join(", ")}]`;

// JSON lines become fields; anything else is kept whole in raw_message. The original line is dropped
// before the merge, so an app field called `message` survives. The line's own `timestamp` text is made a
// timestamp: the Kafka sink stamps the record with `timestamp` only when it is one, and the aggregator's kafka
// source replaces `timestamp` with the record's time, so text here would become the time the agent sent it.
const PARSE_VRL = `parsed, err = parse_json(string!(.message))
if err == null && is_object(parsed) {
  del(.message)
  . = merge(., object!(parsed))
  if !is_timestamp(.timestamp) {
    .timestamp = parse_timestamp(string(.timestamp) ?? "", format: "%+") ?? .timestamp
  }
} else {
  .raw_message = del(.message)
}
.source = "vector-agent"
.pipeline = "${PIPELINE}"`;

// The app logs the route template (`route`); other services may log `path` or a full `url`.
const KEEP_UNLESS_PROBE_VRL = `path = string(.route) ?? string(.path) ?? string(.url) ?? ""
path = replace(path, r'\\?.*$', "")
!includes(${quoted(DROPPED_PATHS)}, path)`;

/** The mounted directory of the role's own Kafka certificate Secret (ca.crt, tls.crt, tls.key). */
export function kafkaTls(certDir: string): KafkaTls {
  return {
    enabled: true,
    ca_file: `${certDir}/${CERT_FILES.ca}`,
    crt_file: `${certDir}/${CERT_FILES.cert}`,
    key_file: `${certDir}/${CERT_FILES.key}`,
    verify_certificate: true,
    verify_hostname: true,
  };
}

export interface AgentConfigArgs {
  kafkaBootstrap: string;
  /** Where the agent's own Kafka certificate Secret is mounted. */
  kafkaCertDir: string;
  topic: string;
  /** The agent's own namespace: its logs (about shipping logs) are not shipped. */
  ownNamespace: string;
  metricsPort: number;
}

export function vectorAgentConfig(args: AgentConfigArgs): VectorConfig {
  return base(
    { pod_logs: { type: "kubernetes_logs", extra_field_selector: `metadata.namespace!=${args.ownNamespace}` } },
    {
      parse: { type: "remap", inputs: ["pod_logs"], source: PARSE_VRL },
      drop_probe_logs: { type: "filter", inputs: ["parse"], condition: KEEP_UNLESS_PROBE_VRL },
    },
    {
      kafka: {
        type: "kafka",
        inputs: ["drop_probe_logs"],
        bootstrap_servers: args.kafkaBootstrap,
        tls: kafkaTls(args.kafkaCertDir),
        topic: args.topic,
        // One pod's lines share a partition, so they stay in order.
        key_field: ".kubernetes.pod_uid",
        compression: "zstd",
        encoding: { codec: "json" },
        // min.insync.replicas only protects writes that wait for all in-sync replicas.
        librdkafka_options: { acks: "all" },
        buffer: DISK_BUFFER,
        acknowledgements: END_TO_END,
      },
    },
    args.metricsPort,
  );
}

// The kafka source sets `timestamp` from the record's time (the line's own, see PARSE_VRL); should a record
// carry none, the JSON text is parsed here. Index names and Kibana need a real timestamp, and data streams
// require `@timestamp`.
const ENRICH_VRL = `if !is_timestamp(.timestamp) {
  .timestamp = parse_timestamp(string(.timestamp) ?? "", format: "%+") ?? now()
}
."@timestamp" = .timestamp
.aggregator_processed_at = now()
.pipeline = "${PIPELINE}"`;

const IS_ERROR_VRL = `includes(${quoted(ERROR_LEVELS)}, downcase(string(.level) ?? ""))`;

export interface AggregatorConfigArgs {
  kafkaBootstrap: string;
  /** Where the aggregator's own Kafka certificate Secret is mounted. */
  kafkaCertDir: string;
  topic: string;
  elasticsearchUrl: string;
  caFile: string;
  /** A mounted directory holding the writer's password as the file `writer`; Vector reads it when it loads the config. */
  credentialsDir: string;
  metricsPort: number;
}

function dailyIndex(family: string): string {
  return `${family}-${DAILY_SUFFIX}`;
}

const CREDENTIALS_BACKEND = "elasticsearch_credentials";

export function vectorAggregatorConfig(args: AggregatorConfigArgs): VectorConfig {
  const elasticsearch = (input: string, family: string): ElasticsearchSink => ({
    type: "elasticsearch",
    inputs: [input],
    endpoints: [args.elasticsearchUrl],
    // Set, so Vector never asks the cluster for its version: the writer has no cluster privilege.
    api_version: "v8",
    mode: "bulk",
    // Data streams accept only `create`.
    bulk: { action: "create", index: dailyIndex(family) },
    auth: { strategy: "basic", user: WRITER.user, password: `SECRET[${CREDENTIALS_BACKEND}.writer]` },
    tls: { ca_file: args.caFile },
    // The health check reads cluster health, which least privilege does not grant.
    healthcheck: { enabled: false },
    buffer: DISK_BUFFER,
    acknowledgements: END_TO_END,
  });
  const config = base(
    {
      app_logs: {
        type: "kafka",
        bootstrap_servers: args.kafkaBootstrap,
        tls: kafkaTls(args.kafkaCertDir),
        // The one group the aggregator's READ ACL names.
        group_id: KAFKA_CONSUMER_GROUP,
        topics: [args.topic],
        auto_offset_reset: "earliest",
        decoding: { codec: "json" },
      },
    },
    {
      enrich: { type: "remap", inputs: ["app_logs"], source: ENRICH_VRL },
      by_level: { type: "route", inputs: ["enrich"], route: { errors: IS_ERROR_VRL } },
    },
    {
      elasticsearch_errors: elasticsearch("by_level.errors", INDEX_FAMILIES.errors),
      elasticsearch_logs: elasticsearch("by_level._unmatched", INDEX_FAMILIES.logs),
    },
    args.metricsPort,
  );
  // The password is a file of a mounted Secret, resolved by Vector when it loads the config: never an env var.
  return { ...config, secret: { [CREDENTIALS_BACKEND]: { type: "directory", path: args.credentialsDir, remove_trailing_whitespace: true } } };
}

export function toVectorYaml(config: VectorConfig): string {
  // No anchors: shared buffer objects are written out in full, as a reader expects.
  return stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}
