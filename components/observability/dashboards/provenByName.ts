/**
 * Metrics a dashboard reads that no program in the systems tests produces: the dashboards' query test
 * (test/systems/dashboards.systems.ts) runs every other query against a real Prometheus scraping the real
 * service and fails on an empty answer; a query naming one of these is proven by name only, against the
 * producer's source. The test fails too when an entry here is used by no panel, so the list cannot go stale.
 */
export interface ProvenByName {
  metric: string;
  /** The program that exports it in a cluster. */
  producer: "kube-state-metrics" | "cAdvisor (kubelet)" | "Vector 0.58.0";
  /** Where in the producer's source the name was read. */
  checkedIn: string;
}

const KSM = "kube-state-metrics" as const;
const CADVISOR = "cAdvisor (kubelet)" as const;
const VECTOR = "Vector 0.58.0" as const;
const ksmStore = (file: string) => `kubernetes/kube-state-metrics internal/store/${file}`;
const vectorNames = "vectordotdev/vector lib/vector-common/src/internal_event/metric_name.rs (prefixed vector_ by the prometheus_exporter sink)";

export const PROVEN_BY_NAME: readonly ProvenByName[] = [
  { metric: "container_cpu_usage_seconds_total", producer: CADVISOR, checkedIn: "google/cadvisor lib/metrics/prometheus.go" },
  { metric: "container_memory_working_set_bytes", producer: CADVISOR, checkedIn: "google/cadvisor lib/metrics/prometheus.go" },
  { metric: "kube_pod_container_resource_limits", producer: KSM, checkedIn: ksmStore("pod.go") },
  { metric: "kube_pod_container_status_restarts_total", producer: KSM, checkedIn: ksmStore("pod.go") },
  { metric: "kube_horizontalpodautoscaler_status_current_replicas", producer: KSM, checkedIn: ksmStore("horizontalpodautoscaler.go") },
  { metric: "kube_horizontalpodautoscaler_status_desired_replicas", producer: KSM, checkedIn: ksmStore("horizontalpodautoscaler.go") },
  { metric: "kube_horizontalpodautoscaler_spec_min_replicas", producer: KSM, checkedIn: ksmStore("horizontalpodautoscaler.go") },
  { metric: "kube_horizontalpodautoscaler_spec_max_replicas", producer: KSM, checkedIn: ksmStore("horizontalpodautoscaler.go") },
  { metric: "vector_component_received_events_total", producer: VECTOR, checkedIn: vectorNames },
  { metric: "vector_component_sent_events_total", producer: VECTOR, checkedIn: vectorNames },
  { metric: "vector_component_errors_total", producer: VECTOR, checkedIn: vectorNames },
  { metric: "vector_component_discarded_events_total", producer: VECTOR, checkedIn: vectorNames },
  { metric: "vector_buffer_size_bytes", producer: VECTOR, checkedIn: vectorNames },
  { metric: "vector_buffer_max_size_bytes", producer: VECTOR, checkedIn: vectorNames },
  { metric: "vector_kafka_consumer_lag", producer: VECTOR, checkedIn: `${vectorNames}; labels in src/internal_events/kafka.rs` },
  { metric: "vector_http_client_responses_total", producer: VECTOR, checkedIn: vectorNames },
];

/** Whether a PromQL expression reads the metric: the name as a whole word (metric names are [A-Za-z0-9_:]). */
export function readsMetric(expr: string, metric: string): boolean {
  return expr.split(/[^A-Za-z0-9_:]+/).includes(metric);
}

/** The listed metrics an expression reads; empty when the query must return data in the systems test. */
export function provenByNameIn(expr: string): ProvenByName[] {
  return PROVEN_BY_NAME.filter((entry) => readsMetric(expr, entry.metric));
}
