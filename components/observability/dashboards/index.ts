import type { DashboardModel } from "../grafana/datasources";
import { logPipelineDashboard } from "./logPipeline";
import { platformDashboard } from "./platform";
import { serviceDashboard } from "./service";

export { dashboardQueries, datasourceUidsOf, type DashboardQuery } from "./panels";
export { LOG_PIPELINE_DASHBOARD_UID } from "./logPipeline";
export { PLATFORM_DASHBOARD_UID } from "./platform";
export { SERVICE_DASHBOARD_UID, SERVICE_METRICS, SERVICE_VARIABLES } from "./service";

/** Which systems a stack runs, so a dashboard is provisioned only where its data can exist. */
export interface DashboardScope {
  logs: boolean;
}

/** Every dashboard the platform provisions: the service dashboard, the platform's and the log pipeline's. */
export function platformDashboards(scope: DashboardScope): DashboardModel[] {
  return [serviceDashboard({ logs: scope.logs }), platformDashboard(), ...(scope.logs ? [logPipelineDashboard()] : [])];
}
export { PROVEN_BY_NAME, provenByNameIn, readsMetric, type ProvenByName } from "./provenByName";
export { CONFIGMAP_LIMIT_BYTES, dashboardProblems } from "./checks";
