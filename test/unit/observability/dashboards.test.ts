import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import {
  CONFIGMAP_LIMIT_BYTES,
  dashboardProblems,
  dashboardQueries,
  LOG_PIPELINE_DASHBOARD_UID,
  PLATFORM_DASHBOARD_UID,
  platformDashboards,
  SERVICE_DASHBOARD_UID,
  SERVICE_METRICS,
  SERVICE_VARIABLES,
  type DashboardQuery,
} from "../../../components/observability/dashboards";
import { DATASOURCE_UIDS, type DashboardModel } from "../../../components/observability/grafana/datasources";
import { interpolate } from "../../systems/support/grafanaQuery";

const ALL = platformDashboards({ logs: true });
const copy = (dashboard: DashboardModel): DashboardModel => JSON.parse(JSON.stringify(dashboard)) as DashboardModel;
type Json = Record<string, any>;

describe("platformDashboards", () => {
  it("provisions the service and platform dashboards, and the log pipeline's only where logs are shipped", () => {
    assert.deepEqual(
      ALL.map((dashboard) => dashboard.uid),
      [SERVICE_DASHBOARD_UID, PLATFORM_DASHBOARD_UID, LOG_PIPELINE_DASHBOARD_UID],
    );
    assert.deepEqual(
      platformDashboards({ logs: false }).map((dashboard) => dashboard.uid),
      [SERVICE_DASHBOARD_UID, PLATFORM_DASHBOARD_UID],
    );
    for (const dashboard of ALL) assert.equal(dashboard.model.uid, dashboard.uid);
  });

  it("links the service dashboard to its traces, and to its logs only where logs are shipped", () => {
    const titles = (logs: boolean) => (platformDashboards({ logs })[0]!.model.links as Json[]).map((link) => link.title);
    assert.deepEqual(titles(true), ["Traces in Jaeger", "Logs in Elasticsearch"]);
    assert.deepEqual(titles(false), ["Traces in Jaeger"]);
  });

  it("has variables namespace, service and pod, chained, from the enrolled pods' scrape labels", () => {
    const list = (ALL[0]!.model.templating as Json).list as Json[];
    assert.deepEqual(list.map((variable) => variable.name), Object.values(SERVICE_VARIABLES));
    assert.match(list[1]!.query, /namespace=~"\$namespace"/);
    assert.match(list[2]!.query, /app=~"\$service"/);
    assert.equal(list[2]!.multi, true);
  });

  it("reads the service's documented request metrics in its RED panels", () => {
    const exprs = dashboardQueries(ALL[0]!).map((query) => query.expr).join("\n");
    for (const metric of [SERVICE_METRICS.requests, `${SERVICE_METRICS.duration}_bucket`]) assert.ok(exprs.includes(metric), metric);
  });

  it("has no problem dashboardProblems knows of", () => {
    assert.deepEqual(dashboardProblems(ALL), []);
  });
});

describe("dashboardProblems fails each provisioned-dashboard mistake, naming the dashboard and panel", () => {
  const problemsOf = (change: (model: Json) => void) => {
    const broken = copy(ALL[1]!);
    change(broken.model);
    return dashboardProblems([broken]);
  };

  it("a panel's datasource UID that is not provisioned", () => {
    const problems = problemsOf((model) => (model.panels[1].targets[0].datasource = { type: "prometheus", uid: "prom-typo" }));
    assert.deepEqual(problems, [`dashboard "Platform" (${PLATFORM_DASHBOARD_UID}), panel "Firing alerts by severity": datasource UID "prom-typo" is not provisioned (DATASOURCE_UIDS)`]);
  });

  it("a variable's datasource UID that is not provisioned", () => {
    const broken = copy(ALL[0]!);
    ((broken.model.templating as Json).list as Json[])[0]!.datasource = { uid: "gone" };
    assert.deepEqual(dashboardProblems([broken]), [`dashboard "Service" (${SERVICE_DASHBOARD_UID}), variable $namespace: datasource UID "gone" is not provisioned (DATASOURCE_UIDS)`]);
  });

  it("an Explore link to a datasource that is not provisioned", () => {
    const broken = copy(ALL[0]!);
    const link = (broken.model.links as Json[])[0]!;
    link.url = String(link.url).replace(encodeURIComponent(`"${DATASOURCE_UIDS.jaeger}"`), encodeURIComponent('"tempo"'));
    assert.ok(dashboardProblems([broken]).some((problem) => problem.includes('datasource UID "tempo"')), dashboardProblems([broken]).join("\n"));
  });

  it("two panels sharing an ID", () => {
    const problems = problemsOf((model) => (model.panels[2].id = model.panels[1].id));
    assert.deepEqual(problems, [`dashboard "Platform" (${PLATFORM_DASHBOARD_UID}), panel "Firing alerts": ID 2 is also panel "Firing alerts by severity"'s`]);
  });

  it("an import placeholder", () => {
    assert.match(problemsOf((model) => (model.panels[1].datasource = "${DS_PROMETHEUS}")).join("\n"), /import placeholder \$\{DS_PROMETHEUS\}/);
    assert.match(problemsOf((model) => (model.__inputs = [])).join("\n"), /import placeholder "__inputs"/);
  });

  it("JSON over the ConfigMap limit", () => {
    const problems = problemsOf((model) => (model.description = "x".repeat(CONFIGMAP_LIMIT_BYTES)));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /over the ConfigMap limit of 1048576/);
  });

  it("two dashboards sharing a UID", () => {
    const twin = { ...copy(ALL[2]!), uid: ALL[1]!.uid };
    assert.deepEqual(dashboardProblems([ALL[1]!, twin]), [`dashboard "Log pipeline" (${PLATFORM_DASHBOARD_UID}): UID ${PLATFORM_DASHBOARD_UID} is also dashboard "Platform"'s`]);
  });
});

// ── Every PromQL expression parses: promtool check rules, one recording rule per query ──

const PROMTOOL = spawnSync("promtool", ["--version"]).status === 0;
/** Values only so the expressions are PromQL; the systems test sends them to Prometheus with real ones. */
const SAMPLE_VARIABLES = { [SERVICE_VARIABLES.namespace]: ["apps"], [SERVICE_VARIABLES.service]: ["items-api"], [SERVICE_VARIABLES.pod]: ["a", "b"] };

/** A variable's label_values(series, label) is Grafana's own: its series selector is the PromQL part. */
const promqlOf = (query: DashboardQuery) => {
  const expr = interpolate(query.expr, SAMPLE_VARIABLES);
  return /^label_values\((.+),\s*\w+\)$/.exec(expr)?.[1] ?? expr;
};

/** promtool's output for the queries as a rules file; each group is named after its dashboard and panel. */
function promtoolCheck(queries: DashboardQuery[]): { status: number | null; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboards-promql-"));
  const groups = queries.map((query, index) => ({
    name: `${query.dashboardTitle} / ${query.panel} #${index}`,
    rules: [{ record: `dashboard:query_${index}`, expr: promqlOf(query) }],
  }));
  fs.writeFileSync(path.join(dir, "queries.yaml"), stringify({ groups }, { lineWidth: 0 }));
  const result = spawnSync("promtool", ["check", "rules", "queries.yaml"], { cwd: dir, encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("every dashboard query is PromQL that promtool parses", function () {
  const prometheusQueries = ALL.flatMap(dashboardQueries).filter((query) => query.datasourceUid === DATASOURCE_UIDS.prometheus);
  before(function () {
    if (!PROMTOOL) {
      console.log("      promtool not installed: skipped (run toolchain/test-tools/install-promtool.sh)");
      this.skip();
    }
  });

  it("parses all of them", () => {
    assert.ok(prometheusQueries.length > 30, `${prometheusQueries.length} queries`);
    const result = promtoolCheck(prometheusQueries);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, new RegExp(`SUCCESS: ${prometheusQueries.length} rules found`));
  });

  it("fails a broken one, naming its dashboard and panel", () => {
    const broken = { ...prometheusQueries[0]!, expr: `sum by (pod) (rate(${SERVICE_METRICS.requests}[$__rate_interval])` };
    const result = promtoolCheck([broken]);
    assert.equal(result.status, 1);
    assert.match(result.output, /group "Service \/ Request rate by status #0".*unclosed left parenthesis/s);
  });
});
