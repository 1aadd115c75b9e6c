import type { DashboardModel } from "../grafana/datasources";

/** Which systems a stack runs, so a dashboard is provisioned only where its data can exist. */
export interface DashboardScope {
  logs: boolean;
}

/** Every dashboard the platform provisions: the service dashboard, the platform's and the log pipeline's. */
export function platformDashboards(_scope: DashboardScope): DashboardModel[] {
  return [];
}
