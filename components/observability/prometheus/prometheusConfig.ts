import { stringify } from "yaml";
import { ENROLMENT_LABEL, ENROLMENT_SELECTOR } from "../../k8s/enrolment";

// The subset of prometheus.yml this blueprint sets; a misspelt key is a type error.
export interface RelabelConfig {
  action: "keep" | "drop" | "replace" | "labelmap";
  source_labels?: string[];
  regex?: string;
  replacement?: string;
  target_label?: string;
}

export interface ScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  scheme?: "http" | "https";
  metrics_path?: string;
  /** The target's own namespace, pod and container labels win over the scrape's (kube-state-metrics, cAdvisor). */
  honor_labels?: boolean;
  authorization?: { credentials_file: string };
  tls_config?: { ca_file: string };
  static_configs?: { targets: string[] }[];
  // No namespace list: enrolled pods are found wherever they run; the label selector is applied by the API server.
  kubernetes_sd_configs?: ({ role: "pod"; selectors?: { role: "pod"; label: string }[] } | { role: "node" })[];
  relabel_configs?: RelabelConfig[];
  /** Applied to each scraped series: here, which series are kept at all. */
  metric_relabel_configs?: RelabelConfig[];
}

export interface AlertingConfig {
  alertmanagers: { api_version: "v2"; static_configs: { targets: string[] }[] }[];
}

export interface PrometheusConfigFile {
  global: { scrape_interval: string; scrape_timeout: string; evaluation_interval: string; external_labels: Record<string, string> };
  alerting?: AlertingConfig;
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

/**
 * How often Prometheus scrapes and evaluates its rules. Grafana's Prometheus datasource is told the same
 * (`timeInterval`), so its `$__rate_interval` always spans at least four scrapes.
 */
export const SCRAPE_INTERVAL = "30s";

export const PODS_JOB = "kubernetes-pods";
export const KUBE_STATE_METRICS_JOB = "kube-state-metrics";
export const CADVISOR_JOB = "kubelet-cadvisor";
/** Where the kubelet mounts the ServiceAccount's token and the cluster's CA in every pod that automounts them. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
export const CONFIG_DIR = "/etc/prometheus/config";
export const CONFIG_FILE = "prometheus.yml";
export const RULES_DIR = "/etc/prometheus/rules";
export const RULES_FILE = "alerts.yaml";

const annotation = (name: string) => `__meta_kubernetes_pod_annotation_prometheus_io_${name}`;
const podLabel = (name: string) => `__meta_kubernetes_pod_label_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;

/**
 * Pod discovery by enrolment, not by a list: every pod labelled with the enrolment label, in any namespace
 * (services of other projects included), is a target; a new service needs no config change. Then the
 * prometheus.io/* annotations as before: keep scrape "true", take the path and port from them, and label
 * series with namespace, pod and app so alerts can name them.
 */
function enrolledPodsJob(): ScrapeConfig {
  return {
    job_name: PODS_JOB,
    kubernetes_sd_configs: [{ role: "pod", selectors: [{ role: "pod", label: ENROLMENT_SELECTOR }] }],
    relabel_configs: [
      // The API server already filters on the label; this keeps the rule true if the selector is removed.
      { action: "keep", source_labels: [podLabel(ENROLMENT_LABEL)], regex: "true" },
      { action: "keep", source_labels: [annotation("scrape")], regex: "true" },
      // Completed or pending pods have no process to scrape; skipping them keeps `up == 0` meaningful.
      { action: "drop", source_labels: ["__meta_kubernetes_pod_phase"], regex: "Pending|Succeeded|Failed|Unknown" },
      { action: "replace", source_labels: [annotation("path")], regex: "(.+)", target_label: "__metrics_path__" },
      { action: "replace", source_labels: ["__address__", annotation("port")], regex: "([^:]+)(?::\\d+)?;(\\d+)", replacement: "$1:$2", target_label: "__address__" },
      { action: "replace", source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
      { action: "replace", source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
      { action: "replace", source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], target_label: "app" },
    ],
  };
}

/**
 * kube-state-metrics through its Service: one target, whatever pod answers. honor_labels keeps the namespace,
 * pod and container labels of the objects it describes (kube-state-metrics' own pod would otherwise replace
 * them), as kube-prometheus-stack does.
 */
function kubeStateMetricsJob(target: string): ScrapeConfig {
  return { job_name: KUBE_STATE_METRICS_JOB, honor_labels: true, static_configs: [{ targets: [target] }] };
}

/**
 * The container metrics the dashboards and alerts read: CPU used and throttled against the limit, memory
 * working set (what the kernel's OOM killer and the kubelet's eviction compare with the limit), RSS and OOM
 * kills. A kubelet serves a few hundred series per container; everything else is dropped at the scrape.
 */
export const CADVISOR_KEPT_METRICS = [
  "container_cpu_usage_seconds_total",
  "container_cpu_cfs_periods_total",
  "container_cpu_cfs_throttled_periods_total",
  "container_memory_working_set_bytes",
  "container_memory_rss",
  "container_oom_events_total",
] as const;

/**
 * Every node's kubelet, found by `role: node` discovery (each node's address and kubelet port), scraped at
 * /metrics/cadvisor over TLS verified against the cluster's CA, with the ServiceAccount's token (the kubelet
 * asks the API server whether it may `get nodes/metrics`). Directly, not through the API server's node proxy:
 * the proxy needs `nodes/proxy`, which also reaches the kubelet's exec and log endpoints.
 */
function cadvisorJob(): ScrapeConfig {
  return {
    job_name: CADVISOR_JOB,
    scheme: "https",
    metrics_path: "/metrics/cadvisor",
    honor_labels: true,
    authorization: { credentials_file: `${SERVICE_ACCOUNT_DIR}/token` },
    tls_config: { ca_file: `${SERVICE_ACCOUNT_DIR}/ca.crt` },
    kubernetes_sd_configs: [{ role: "node" }],
    relabel_configs: [{ action: "replace", source_labels: ["__meta_kubernetes_node_name"], target_label: "node" }],
    metric_relabel_configs: [
      { action: "keep", source_labels: ["__name__"], regex: CADVISOR_KEPT_METRICS.join("|") },
      // The pod's sandbox ("POD") and the cgroup totals without a container name are not containers of a workload.
      { action: "drop", source_labels: ["container"], regex: "POD|" },
    ],
  };
}

export interface PrometheusConfigArgs {
  environment: string;
  port: number;
  alertmanagers: string[];
  /** kube-state-metrics' host:port. */
  kubeStateMetrics: string;
  /** Whether the kubelets' cAdvisor is scraped (their addresses are configured). */
  scrapesKubelets: boolean;
}

export function prometheusConfig(args: PrometheusConfigArgs): PrometheusConfigFile {
  return {
    global: { scrape_interval: SCRAPE_INTERVAL, scrape_timeout: "10s", evaluation_interval: SCRAPE_INTERVAL, external_labels: { environment: args.environment } },
    // Every Alertmanager replica by name: they deduplicate among themselves, so each alert goes to all.
    ...(args.alertmanagers.length ? { alerting: { alertmanagers: [{ api_version: "v2" as const, static_configs: [{ targets: args.alertmanagers }] }] } } : {}),
    rule_files: [`${RULES_DIR}/${RULES_FILE}`],
    scrape_configs: [
      { job_name: "prometheus", static_configs: [{ targets: [`localhost:${args.port}`] }] },
      enrolledPodsJob(),
      kubeStateMetricsJob(args.kubeStateMetrics),
      ...(args.scrapesKubelets ? [cadvisorJob()] : []),
    ],
  };
}

export function prometheusConfigYaml(args: PrometheusConfigArgs): string {
  return stringify(prometheusConfig(args), { lineWidth: 0 });
}
