/**
 * Every PromQL query of the service and platform dashboards, against the real Prometheus (Debian's package,
 * the staging render's config and rules) scraping the real built service after real traffic: successes, 4xx,
 * 5xx and a request the service shed. Each query is sent as Grafana would (dashboard variables and intervals
 * replaced) and must return at least one series, unless it reads a metric listed in PROVEN_BY_NAME (a program
 * these tests do not run: cAdvisor, kube-state-metrics, Vector); a listed metric no panel reads fails too.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dashboardQueries, platformDashboards, PROVEN_BY_NAME, provenByNameIn, readsMetric, SERVICE_VARIABLES, type DashboardQuery } from "../../components/observability/dashboards";
import { DATASOURCE_UIDS } from "../../components/observability/grafana/datasources";
import { interpolate } from "./support/grafanaQuery";
import { toLoopback } from "./support/loopback";
import { onPath } from "./support/programs";
import { podDiscoveryFromFile, podTargetGroup } from "./support/prometheusDiscovery";
import { assertPortsFree, httpJson, Processes, waitFor } from "./support/processes";
import { stagingRender } from "./support/render";
import { startService } from "./support/service";
import { mountDirs, SERVICE, serviceEnv, writePlaceholderLogin } from "./support/serviceEnv";

type Any = Record<string, any>;

const NAMESPACE = "apps";
/** How long after start the service sheds nothing: the test's other traffic goes in before it ends. */
const WARMUP_SECONDS = 15;
/** Above zero, so any work at all on the event loop counts as overload once warm-up is over. */
const SHED_ABOVE_UTILIZATION = "0.000001";
/** How long every query gets to return data: two scrapes (30 s apart) and a rule evaluation after them. */
const ANSWER_DEADLINE_MS = 240_000;

const label = (query: DashboardQuery) => `dashboard "${query.dashboardTitle}" (${query.dashboardUid}), panel "${query.panel}"`;

describe("every dashboard query returns data from the real Prometheus scraping the real service", function () {
  this.timeout(600_000);
  const processes = new Processes();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "systems-dashboards-"));
  const file = (name: string) => path.join(dir, name);
  let prometheusUrl: string;
  let podName: string;
  const queries = platformDashboards({ logs: false })
    .flatMap(dashboardQueries)
    .filter((query) => query.datasourceUid === DATASOURCE_UIDS.prometheus);

  after(() => processes.stopAll());

  it("lists as proven by name only metrics some dashboard query reads", () => {
    const everyQuery = platformDashboards({ logs: true }).flatMap(dashboardQueries);
    const unused = PROVEN_BY_NAME.filter((entry) => !everyQuery.some((query) => readsMetric(query.expr, entry.metric)));
    assert.deepEqual(unused.map((entry) => entry.metric), [], "PROVEN_BY_NAME lists metrics no dashboard reads: remove them");
  });

  it("runs Prometheus and the service, and sends successes, 4xx, 5xx and a shed request", async () => {
    onPath("prometheus");
    const render = await stagingRender();
    fs.mkdirSync(file("rules"));
    fs.writeFileSync(file("rules/alerts.yaml"), render.configMapData("observability", "prometheus-rules", "alerts.yaml"));
    const rendered = toLoopback(render.configMapData("observability", "prometheus-config", "prometheus.yml"), {
      hosts: ["localhost"],
      paths: { "/etc/prometheus/rules/alerts.yaml": file("rules/alerts.yaml") },
    });
    const deployment = render.object("Deployment", NAMESPACE, SERVICE);
    const pod = podTargetGroup(deployment, "127.0.0.1");
    podName = pod.labels.__meta_kubernetes_pod_name;
    fs.writeFileSync(file("pods.json"), "[]");
    fs.writeFileSync(file("prometheus.yml"), podDiscoveryFromFile(rendered, file("pods.json"), { namespace: NAMESPACE, labels: deployment.spec.template.metadata.labels }));
    const container = render.object("StatefulSet", "observability", "prometheus").spec.template.spec.containers[0];
    const args = toLoopback((container.args as string[]).join("\n"), {
      hosts: ["0.0.0.0"],
      paths: { "/etc/prometheus/config/prometheus.yml": file("prometheus.yml"), "/prometheus": file("data") },
    }).split("\n");
    prometheusUrl = `http://${args.find((arg) => arg.startsWith("--web.listen-address="))!.split("=")[1]!}`;
    await assertPortsFree([Number(new URL(prometheusUrl).port)]);
    const prometheus = processes.start("prometheus", "prometheus", args);
    await waitFor("Prometheus /-/ready", async () => ((await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined), { running: prometheus });

    const mounts = mountDirs();
    writePlaceholderLogin(mounts);
    const env: Record<string, string> = { ...serviceEnv(render, mounts), LOAD_SHED_WARMUP_SECONDS: String(WARMUP_SECONDS), LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION: SHED_ABOVE_UTILIZATION };
    await assertPortsFree([Number(env.APP_PORT)]);
    const service = await startService(processes, env);
    const items = `${service.baseUrl}/api/v1/items/`;
    for (let request = 0; request < 5; request += 1) assert.equal((await fetch(items)).status, 200);
    const missing = await fetch(`${items}00000000-0000-4000-8000-000000000000`);
    assert.ok(missing.status >= 400 && missing.status < 500, `a missing item answers 4xx, not ${missing.status}`);
    // Writes wait for the API key from Vault, which this test does not run: each is a real 503 of the service.
    const write = await fetch(items, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "dashboards", price: 1 }) });
    assert.equal(write.status, 503);
    const shed = await waitFor(
      "a request shed once warm-up is over",
      async () => {
        const answer = await fetch(items);
        const body = (await answer.json()) as Any;
        return answer.status === 503 && JSON.stringify(body).includes("overloaded") ? body : undefined;
      },
      { attempts: WARMUP_SECONDS * 4, intervalMs: 500, running: service.running },
    );
    assert.ok(shed);
    await service.waitForEvent("load_shed");
    // Discovered only now, so the first scrape already holds every series the traffic made.
    fs.writeFileSync(file("pods.json.tmp"), JSON.stringify([pod]));
    fs.renameSync(file("pods.json.tmp"), file("pods.json"));
    await waitFor(
      "the service's first scrape (scrape_interval 30s)",
      async () => ((await httpJson<Any>(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(`up{pod="${podName}"}`)}`)).data.result.length > 0 ? true : undefined),
      { attempts: 90, intervalMs: 1000 },
    );
    // More shed requests after that scrape: the counters now rise between samples, so rates are above zero and
    // the availability objective's burn-rate alerts fire (ALERTS on the platform dashboard).
    for (let request = 0; request < 5; request += 1) assert.equal((await fetch(items)).status, 503);
  });

  it("answers every query of the service and platform dashboards with at least one series, as Grafana sends it", async () => {
    assert.ok(queries.length > 20, `only ${queries.length} Prometheus queries found in the dashboards`);
    const variables: Record<string, string[]> = {
      [SERVICE_VARIABLES.namespace]: [NAMESPACE],
      [SERVICE_VARIABLES.service]: [SERVICE],
      // "All" of a multi-value variable: Grafana sends every listed pod as one regex alternative.
      [SERVICE_VARIABLES.pod]: [podName, `${podName}-gone`],
    };
    const expected = queries.filter((query) => provenByNameIn(query.expr).length === 0);
    const answers = async (query: DashboardQuery) => {
      const expr = interpolate(query.expr, variables);
      // A variable's label_values(series, label) is Grafana's, sent to the label values API: it must list
      // the value this test picks for the variable.
      const labelValues = /^label_values\((.+),\s*(\w+)\)$/.exec(expr);
      if (labelValues) {
        const [, series, name] = labelValues;
        const body = await httpJson<Any>(`${prometheusUrl}/api/v1/label/${name}/values?match[]=${encodeURIComponent(series!)}`);
        const picked = variables[query.panel.replace(/^variable \$/, "")]?.[0];
        return (body.data as string[]).includes(picked!);
      }
      const body = await httpJson<Any>(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
      assert.equal(body.status, "success", `${label(query)}: ${expr}: ${JSON.stringify(body)}`);
      return body.data.result.length > 0 || (body.data.resultType === "scalar" && body.data.result !== undefined);
    };
    const deadline = Date.now() + ANSWER_DEADLINE_MS;
    let empty = expected;
    while (empty.length > 0 && Date.now() < deadline) {
      const still: DashboardQuery[] = [];
      for (const query of empty) if (!(await answers(query))) still.push(query);
      empty = still;
      if (empty.length > 0) await new Promise((resolve) => setTimeout(resolve, 5000));
    }
    assert.deepEqual(
      empty.map((query) => `${label(query)}: ${interpolate(query.expr, variables)}`),
      [],
      `these dashboard queries returned no series within ${ANSWER_DEADLINE_MS / 1000}s of real traffic`,
    );
    const exempt = queries.filter((query) => provenByNameIn(query.expr).length > 0);
    assert.ok(exempt.length > 0 && expected.length > exempt.length, `${expected.length} queries proven by data, ${exempt.length} by name`);
  });
});
