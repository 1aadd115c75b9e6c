// Grafana: dashboards on metrics, alerts, traces and logs, provisioned from the program.
export { Grafana } from "./grafana";
export { grafanaFlows } from "./grafanaFlows";
export { DATASOURCE_UIDS, type DashboardModel } from "./datasources";
export { GRAFANA_IMAGE } from "../../images";
