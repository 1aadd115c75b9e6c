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
  static_configs?: { targets: string[] }[];
  // No namespace list: enrolled pods are found wherever they run; the label selector is applied by the API server.
  kubernetes_sd_configs?: { role: "pod"; selectors?: { role: "pod"; label: string }[] }[];
  relabel_configs?: RelabelConfig[];
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

export const PODS_JOB = "kubernetes-pods";
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

export function prometheusConfig(args: { environment: string; port: number; alertmanagers: string[] }): PrometheusConfigFile {
  return {
    global: { scrape_interval: "30s", scrape_timeout: "10s", evaluation_interval: "30s", external_labels: { environment: args.environment } },
    // Every Alertmanager replica by name: they deduplicate among themselves, so each alert goes to all.
    ...(args.alertmanagers.length ? { alerting: { alertmanagers: [{ api_version: "v2" as const, static_configs: [{ targets: args.alertmanagers }] }] } } : {}),
    rule_files: [`${RULES_DIR}/${RULES_FILE}`],
    scrape_configs: [{ job_name: "prometheus", static_configs: [{ targets: [`localhost:${args.port}`] }] }, enrolledPodsJob()],
  };
}

export function prometheusConfigYaml(args: Parameters<typeof prometheusConfig>[0]): string {
  return stringify(prometheusConfig(args), { lineWidth: 0 });
}
