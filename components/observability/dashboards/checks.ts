import { DATASOURCE_UIDS, type DashboardModel } from "../grafana/datasources";
import { datasourceUidsOf } from "./panels";

/** Kubernetes refuses a ConfigMap whose data exceeds 1 MiB; each dashboard is provisioned as one ConfigMap. */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

const KNOWN_UIDS = new Set<string>(Object.values(DATASOURCE_UIDS));
/** What Grafana's export "for sharing externally" leaves behind: provisioning substitutes neither. */
const IMPORT_PLACEHOLDER = /\$\{DS_[A-Za-z0-9_]*\}|"__inputs"/;

/**
 * What would make a provisioned dashboard show nothing or not load at all, one message per problem naming the
 * dashboard (and the panel): a datasource UID Grafana is not provisioned with, two panels sharing an ID, an
 * import placeholder, JSON too large for its ConfigMap, two dashboards sharing a UID.
 */
export function dashboardProblems(dashboards: readonly DashboardModel[]): string[] {
  const problems: string[] = [];
  const seenUids = new Map<string, string>();
  for (const dashboard of dashboards) {
    const name = `dashboard "${dashboard.title}" (${dashboard.uid})`;
    const earlier = seenUids.get(dashboard.uid);
    if (earlier !== undefined) problems.push(`${name}: UID ${dashboard.uid} is also dashboard "${earlier}"'s`);
    seenUids.set(dashboard.uid, dashboard.title);
    const json = JSON.stringify(dashboard.model);
    const bytes = Buffer.byteLength(json, "utf8");
    if (bytes > CONFIGMAP_LIMIT_BYTES) problems.push(`${name}: ${bytes} bytes of JSON, over the ConfigMap limit of ${CONFIGMAP_LIMIT_BYTES}`);
    const placeholder = IMPORT_PLACEHOLDER.exec(json);
    if (placeholder) problems.push(`${name}: import placeholder ${placeholder[0]}; provisioning names datasources by UID`);
    const panels = (Array.isArray(dashboard.model.panels) ? dashboard.model.panels : []) as Record<string, unknown>[];
    const ids = new Map<unknown, string>();
    for (const panel of panels.flatMap((outer) => [outer, ...((outer.panels as Record<string, unknown>[] | undefined) ?? [])])) {
      const title = String(panel.title);
      const other = ids.get(panel.id);
      if (panel.id === undefined) problems.push(`${name}, panel "${title}": no panel ID`);
      else if (other !== undefined) problems.push(`${name}, panel "${title}": ID ${String(panel.id)} is also panel "${other}"'s`);
      ids.set(panel.id, title);
      for (const uid of datasourceUidsOf(panel)) if (!KNOWN_UIDS.has(uid)) problems.push(`${name}, panel "${title}": datasource UID "${uid}" is not provisioned (DATASOURCE_UIDS)`);
    }
    for (const uid of datasourceUidsOf(dashboard.model.links)) if (!KNOWN_UIDS.has(uid)) problems.push(`${name}, dashboard links: datasource UID "${uid}" is not provisioned (DATASOURCE_UIDS)`);
    const templating = dashboard.model.templating as { list?: Record<string, unknown>[] } | undefined;
    for (const variable of templating?.list ?? []) {
      for (const uid of datasourceUidsOf(variable)) if (!KNOWN_UIDS.has(uid)) problems.push(`${name}, variable $${String(variable.name)}: datasource UID "${uid}" is not provisioned (DATASOURCE_UIDS)`);
    }
  }
  return problems;
}
