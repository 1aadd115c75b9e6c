import type { DashboardModel } from "../grafana/datasources";
import { PODS_JOB } from "../prometheus/prometheusConfig";
import { selector } from "../prometheus/promql";
import { buildDashboard, type RowSpec } from "./panels";

export const LOG_PIPELINE_DASHBOARD_UID = "blueprint-log-pipeline";

/**
 * Vector's own metrics (its internal_metrics source, served by its prometheus_exporter sink and scraped as an
 * enrolled pod), labelled `app` vector-agent or vector-aggregator by discovery and `component_id` by Vector.
 * Elasticsearch is not scraped (it runs no exporter and carries no scrape annotations), so its own health is
 * not on this dashboard: the Elasticsearch sink's errors and HTTP answers stand in for it.
 */
const VECTOR = selector({ job: PODS_JOB });
const rate = (metric: string, extra: Record<string, string> = {}) => `rate(vector_${metric}${selector({ job: PODS_JOB, ...extra })}[$__rate_interval])`;

const rows: RowSpec[] = [
  {
    title: "Events",
    panels: [
      {
        title: "Events in per component",
        description: "Events each Vector component received, per second (agent: pod logs; aggregator: from Kafka).",
        queries: [{ expr: `sum by (app, component_id) (${rate("component_received_events_total")})`, legend: "{{app}} {{component_id}}" }],
      },
      {
        title: "Events out per component",
        description: "Events each Vector component sent on, per second (agent: to Kafka; aggregator: to Elasticsearch).",
        queries: [{ expr: `sum by (app, component_id) (${rate("component_sent_events_total")})`, legend: "{{app}} {{component_id}}" }],
      },
      {
        title: "Errors and discarded events",
        description: "Component errors by type, and events discarded (filtered on purpose, or lost on an error).",
        queries: [
          { expr: `sum by (app, component_id, error_type) (${rate("component_errors_total")})`, legend: "error {{component_id}} {{error_type}}" },
          { expr: `sum by (app, component_id) (${rate("component_discarded_events_total")})`, legend: "discarded {{component_id}}" },
        ],
      },
      {
        title: "Buffer use",
        description: "Bytes held in each sink's buffer (the agent's disk buffer ahead of Kafka) against its maximum.",
        unit: "bytes",
        queries: [
          { expr: `sum by (app, component_id) (vector_buffer_size_bytes${VECTOR})`, legend: "used {{app}} {{component_id}}" },
          { expr: `sum by (app, component_id) (vector_buffer_max_size_bytes${VECTOR})`, legend: "max {{app}} {{component_id}}" },
        ],
      },
    ],
  },
  {
    title: "Kafka and Elasticsearch",
    panels: [
      {
        title: "Kafka consumer lag",
        description: "Messages the aggregator's consumer group is behind, per partition, as Vector's Kafka source reports it.",
        queries: [{ expr: `sum by (topic_id, partition_id) (vector_kafka_consumer_lag${VECTOR})`, legend: "{{topic_id}}/{{partition_id}}" }],
      },
      {
        title: "Elasticsearch sink errors and answers",
        description: "The aggregator's Elasticsearch sink: its errors by type, and Elasticsearch's HTTP answers by status.",
        queries: [
          { expr: `sum by (component_id, error_type) (${rate("component_errors_total", { component_type: "elasticsearch" })})`, legend: "error {{error_type}}" },
          { expr: `sum by (status) (${rate("http_client_responses_total", { component_type: "elasticsearch" })})`, legend: "HTTP {{status}}" },
        ],
      },
    ],
  },
];

export function logPipelineDashboard(): DashboardModel {
  return buildDashboard({
    uid: LOG_PIPELINE_DASHBOARD_UID,
    title: "Log pipeline",
    description: "Vector agent and aggregator throughput, errors, buffers, Kafka consumer lag and the Elasticsearch sink.",
    tags: ["blueprint", "logs"],
    variables: [],
    links: [],
    rows,
  });
}
