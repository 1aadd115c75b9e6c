import type { DashboardModel } from "../grafana/datasources";
import { buildDashboard, type RowSpec } from "./panels";

export const PLATFORM_DASHBOARD_UID = "blueprint-platform";

const rate = (series: string) => `rate(${series}[$__rate_interval])`;

/**
 * Alertmanager is not scraped (its pods carry no scrape annotations), so its health is read from the side
 * that depends on it: Prometheus's notifier, which counts the Alertmanagers it found, what it failed to send
 * and what it dropped.
 */
const rows: RowSpec[] = [
  {
    title: "Alerts",
    panels: [
      {
        title: "Firing alerts by severity",
        description: "Alerts firing now (Prometheus's ALERTS series), counted per severity.",
        kind: "stat",
        queries: [{ expr: 'sum by (severity) (ALERTS{alertstate="firing"})', legend: "{{severity}}" }],
      },
      {
        title: "Firing alerts",
        description: "Every firing alert with its labels.",
        kind: "table",
        queries: [{ expr: 'ALERTS{alertstate="firing"}' }],
      },
    ],
  },
  {
    title: "Scraping",
    panels: [
      {
        title: "Targets down per job",
        description: "Scrape targets whose last scrape failed, per job; 0 when every target answers.",
        queries: [
          { expr: "sum by (job) (1 - up)", legend: "down {{job}}" },
          { expr: "count by (job) (up)", legend: "targets {{job}}" },
        ],
      },
      {
        title: "Scrape duration per job",
        description: "The slowest target's scrape per job; near scrape_timeout (10s), scrapes start to fail.",
        unit: "s",
        queries: [{ expr: "max by (job) (scrape_duration_seconds)", legend: "{{job}}" }],
      },
    ],
  },
  {
    title: "Prometheus and Alertmanager",
    panels: [
      {
        title: "Rule evaluation failures",
        description: "Failed rule evaluations and missed group iterations per rule group: an alert that cannot evaluate cannot fire.",
        queries: [
          { expr: `sum by (rule_group) (${rate("prometheus_rule_evaluation_failures_total")})`, legend: "failures {{rule_group}}" },
          { expr: `sum by (rule_group) (${rate("prometheus_rule_group_iterations_missed_total")})`, legend: "missed {{rule_group}}" },
        ],
      },
      {
        title: "Prometheus health",
        description: "Whether the last config reload succeeded (1), and the series in the head block.",
        kind: "stat",
        queries: [
          { expr: "min(prometheus_config_last_reload_successful)", legend: "config reload ok" },
          { expr: "sum(prometheus_tsdb_head_series)", legend: "head series" },
        ],
      },
      {
        title: "Alertmanagers discovered",
        description: "Alertmanagers Prometheus sends alerts to; fewer than the replicas deployed means a lost peer.",
        kind: "stat",
        queries: [{ expr: "max(prometheus_notifications_alertmanagers_discovered)", legend: "discovered" }],
      },
      {
        title: "Alert notifications failed or dropped",
        description: "Alerts Prometheus failed to send per Alertmanager, and alerts dropped (queue full or no Alertmanager).",
        queries: [
          { expr: `sum by (alertmanager) (${rate("prometheus_notifications_errors_total")})`, legend: "errors {{alertmanager}}" },
          { expr: `sum(${rate("prometheus_notifications_dropped_total")})`, legend: "dropped" },
        ],
      },
    ],
  },
];

export function platformDashboard(): DashboardModel {
  return buildDashboard({
    uid: PLATFORM_DASHBOARD_UID,
    title: "Platform",
    description: "Firing alerts, scrape health per job, Prometheus's rule evaluation and its path to Alertmanager.",
    tags: ["blueprint", "platform"],
    variables: [],
    links: [],
    rows,
  });
}
