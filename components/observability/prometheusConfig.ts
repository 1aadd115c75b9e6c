import { stringify } from "yaml";

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
  kubernetes_sd_configs?: { role: "pod"; namespaces: { names: string[] } }[];
  relabel_configs?: RelabelConfig[];
}

export interface PrometheusConfigFile {
  global: { scrape_interval: string; scrape_timeout: string; evaluation_interval: string; external_labels: Record<string, string> };
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

export const PODS_JOB = "kubernetes-pods";
export const CONFIG_DIR = "/etc/prometheus/config";
export const CONFIG_FILE = "prometheus.yml";
export const RULES_DIR = "/etc/prometheus/rules";
export const RULES_FILE = "alerts.yaml";

const annotation = (name: string) => `__meta_kubernetes_pod_annotation_prometheus_io_${name}`;

/**
 * Pod discovery driven by the prometheus.io/* annotations: keep pods with scrape "true", take the path and
 * port from the annotations, and label series with namespace, pod and app so alerts can name them.
 */
export function annotatedPodsJob(namespaces: string[]): ScrapeConfig {
  return {
    job_name: PODS_JOB,
    kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [...new Set(namespaces)].sort() } }],
    relabel_configs: [
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

export function prometheusConfig(args: { environment: string; scrapeNamespaces: string[]; port: number }): PrometheusConfigFile {
  return {
    global: { scrape_interval: "30s", scrape_timeout: "10s", evaluation_interval: "30s", external_labels: { environment: args.environment } },
    rule_files: [`${RULES_DIR}/${RULES_FILE}`],
    scrape_configs: [{ job_name: "prometheus", static_configs: [{ targets: [`localhost:${args.port}`] }] }, annotatedPodsJob(args.scrapeNamespaces)],
  };
}

export function prometheusConfigYaml(args: Parameters<typeof prometheusConfig>[0]): string {
  return stringify(prometheusConfig(args), { lineWidth: 0 });
}
