import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder,
  DashboardCursorSync,
  type DashboardLink,
  DashboardLinkBuilder,
  DashboardLinkType,
  type Panel,
  RowBuilder,
  type QueryVariableBuilder,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanelBuilder } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { DATASOURCE_UIDS, type DashboardModel, type DatasourceKey } from "../grafana/datasources";

/**
 * The building blocks every dashboard here shares: a panel is declared as plain data (title, kind, unit,
 * queries) and turned into the Grafana Foundation SDK's typed builders in one place, so dashboards differ in
 * what they ask, not in how they are assembled.
 */

/** Each datasource as a panel or a variable references it: the provisioned UID and the plugin type. */
export const DATASOURCES: Record<DatasourceKey, DataSourceRef> = {
  prometheus: { type: "prometheus", uid: DATASOURCE_UIDS.prometheus },
  alertmanager: { type: "alertmanager", uid: DATASOURCE_UIDS.alertmanager },
  jaeger: { type: "jaeger", uid: DATASOURCE_UIDS.jaeger },
  elasticsearch: { type: "elasticsearch", uid: DATASOURCE_UIDS.elasticsearch },
};

/** One PromQL query of a panel; `legend` is Grafana's legend template (`{{route}}`). */
export interface QuerySpec {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  /** timeseries (the default) for rates over time, stat for one number per series, table for a list (firing alerts). */
  kind?: "timeseries" | "stat" | "table";
  /** A Grafana unit id: reqps, percentunit, s, bytes; short (a plain number) by default. */
  unit?: string;
  queries: QuerySpec[];
  /** Grid columns out of 24. */
  width?: number;
  links?: cog.Builder<DashboardLink>[];
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: QueryVariableBuilder[];
  links: DashboardLinkBuilder[];
  rows: RowSpec[];
}

const PANEL_HEIGHT = 8;
const DEFAULT_WIDTH = 12;
/** Query refIds A, B, C…: a panel has a handful of queries at most. */
const refId = (index: number) => String.fromCharCode("A".charCodeAt(0) + index);

function target(spec: QuerySpec, index: number, instant: boolean): DataqueryBuilder {
  const query = new DataqueryBuilder().refId(refId(index)).expr(spec.expr).datasource(DATASOURCES.prometheus).legendFormat(spec.legend ?? "__auto");
  return instant ? query.instant().format(PromQueryFormat.Table) : query.range();
}

function panelBuilder(spec: PanelSpec): cog.Builder<Panel> {
  const kind = spec.kind ?? "timeseries";
  const builder = kind === "timeseries" ? new TimeseriesPanelBuilder().fillOpacity(10) : kind === "stat" ? new StatPanelBuilder() : new TablePanelBuilder();
  builder
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCES.prometheus)
    .unit(spec.unit ?? "short")
    .height(PANEL_HEIGHT)
    .span(spec.width ?? DEFAULT_WIDTH)
    .targets(spec.queries.map((query, index) => target(query, index, kind === "table")));
  if (spec.links) builder.dataLinks(spec.links);
  return builder;
}

/**
 * The dashboard's JSON model as Grafana reads it. Panel IDs are numbered here, rows included, in layout order:
 * Grafana keys panel state (links, the panel viewer) by ID, and the SDK leaves IDs unset.
 */
export function buildDashboard(spec: DashboardSpec): DashboardModel {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(spec.tags)
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: "now-1h", to: "now" })
    .refresh("30s")
    .timezone("utc")
    .variables(spec.variables)
    .links(spec.links);
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title));
    for (const panel of row.panels) builder.withPanel(panelBuilder(panel));
  }
  const model = JSON.parse(JSON.stringify(builder.build())) as Record<string, unknown> & { panels: { id?: number }[] };
  model.panels.forEach((panel, index) => (panel.id = index + 1));
  return { uid: spec.uid, title: spec.title, model };
}

/** One query a dashboard sends, named by where it is shown: a panel's title or `variable $name`. */
export interface DashboardQuery {
  dashboardUid: string;
  dashboardTitle: string;
  panel: string;
  datasourceUid: string | undefined;
  expr: string;
}

type Json = Record<string, unknown>;
const asList = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const uidOf = (value: unknown): string | undefined => (value !== null && typeof value === "object" ? ((value as Json).uid as string | undefined) : undefined);

/**
 * Every query of a built dashboard, read back from its JSON model (what Grafana will run, not what the code
 * meant): each panel target's expression, or an Elasticsearch target's Lucene query, with the datasource UID
 * the target names (or its panel's); and each query variable's. Rows nest panels when collapsed; both are read.
 */
export function dashboardQueries(dashboard: DashboardModel): DashboardQuery[] {
  const at = (panel: string, datasource: unknown, expr: string): DashboardQuery => ({
    dashboardUid: dashboard.uid,
    dashboardTitle: dashboard.title,
    panel,
    datasourceUid: uidOf(datasource),
    expr,
  });
  const panels = asList(dashboard.model.panels).flatMap((panel) => [panel, ...asList(panel.panels)]);
  const fromPanels = panels.flatMap((panel) =>
    asList(panel.targets).map((query) => at(String(panel.title), query.datasource ?? panel.datasource, String(query.expr ?? query.query ?? ""))),
  );
  const variables = asList((dashboard.model.templating as Json | undefined)?.list).filter((variable) => variable.type === "query");
  const fromVariables = variables.map((variable) => {
    const query = variable.query;
    const expr = typeof query === "string" ? query : String((query as Json | undefined)?.query ?? "");
    return at(`variable $${String(variable.name)}`, variable.datasource, expr);
  });
  return [...fromPanels, ...fromVariables];
}

/** The panes of an Explore link (exploreLink's URL), so the datasources it opens are checked like a panel's. */
function explorePanes(url: string): unknown {
  const panes = new URLSearchParams(url.slice(url.indexOf("?") + 1)).get("panes");
  return panes === null ? {} : (JSON.parse(panes) as unknown);
}

/** Every datasource UID a dashboard names anywhere: panels, targets, variables, annotations, Explore links. */
export function datasourceUidsOf(model: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key?: string): void => {
    if (Array.isArray(value)) value.forEach((item) => walk(item));
    else if (value !== null && typeof value === "object") {
      if (key === "datasource" && typeof (value as Json).uid === "string") found.push((value as Json).uid as string);
      for (const [child, inner] of Object.entries(value as Json)) walk(inner, child);
    } else if (key === "datasource" && typeof value === "string") found.push(value);
    else if (typeof value === "string" && value.startsWith("/explore?")) walk(explorePanes(value));
  };
  walk(model);
  return found;
}

/**
 * A link into Grafana's Explore on one datasource with one query. Grafana replaces `${variable}` in a link's
 * URL, so those stay unescaped inside the otherwise URL-encoded pane.
 */
export function exploreLink(title: string, datasource: DatasourceKey, query: Record<string, unknown>): DashboardLinkBuilder {
  const pane = { explore: { datasource: DATASOURCES[datasource].uid, queries: [{ refId: "A", datasource: DATASOURCES[datasource], ...query }], range: { from: "now-1h", to: "now" } } };
  const encoded = encodeURIComponent(JSON.stringify(pane)).replace(/%24%7B(\w+)%7D/g, "${$1}");
  return new DashboardLinkBuilder(title).type(DashboardLinkType.Link).url(`/explore?schemaVersion=1&panes=${encoded}`).targetBlank(true).keepTime(false).includeVars(false);
}
