/**
 * The contract between Grafana's provisioning and the dashboards: each datasource's fixed UID. Grafana is
 * provisioned with exactly these (grafana/), and every panel and variable names one of them
 * (dashboards/); a unit test fails on a UID that is not here.
 */
export const DATASOURCE_UIDS = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  jaeger: "jaeger",
  elasticsearch: "elasticsearch-logs",
} as const;

export type DatasourceKey = keyof typeof DATASOURCE_UIDS;

/** A dashboard as the program provisions it: its UID (also its file and ConfigMap key) and its JSON model. */
export interface DashboardModel {
  uid: string;
  title: string;
  model: Record<string, unknown>;
}
