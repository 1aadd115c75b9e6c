/**
 * Prometheus, Debian's package (apt-get, see toolchain/systems/install.sh), run with the prometheus.yml, rules
 * and arguments of the staging render with a second service: it loads the rules (both services' SLO groups
 * among them), discovers and scrapes the built service through the rendered relabeling, answers a query for
 * the service's http_requests_total, and evaluates the SLO recording rules and alerts on the service's traffic.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { toLoopback } from "./support/loopback";
import { onPath } from "./support/programs";
import { podDiscoveryFromFile, podTargetGroup } from "./support/prometheusDiscovery";
import { assertPortsFree, httpJson, Processes, run, waitFor } from "./support/processes";
import { SECOND_SERVICE, stagingRender, type StagingRender } from "./support/render";
import { SLO_RECORD, sloGroupName } from "../../components/observability/prometheus";
import { mountDirs, SERVICE, serviceEnv, writePlaceholderLogin } from "./support/serviceEnv";
import { startService } from "./support/service";

type Any = Record<string, any>;

/** Reads (200) and writes (503) sent before the pod is discovered: each series' first value (see the SLO test). */
const PRIOR_READS = 12;
const PRIOR_WRITES = 8;
const write = (baseUrl: string) => fetch(`${baseUrl}/api/v1/items/`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "slo", price: 1 }) });

const version = run("prometheus", ["--version"]).output.split("\n")[0]?.replace(/^prometheus, version /, "") ?? "missing";

/** Rule names as Prometheus's rules API lists them: an alert's name, a recording rule's series. */
const ruleNames = (rulesFile: Any): string[] => rulesFile.groups.flatMap((group: Any) => group.rules.map((rule: Any) => rule.alert ?? rule.record)).sort();

/** Writes a file so a watcher sees it whole: a new file renamed over the old one. */
function replaceFile(file: string, content: string): void {
  fs.writeFileSync(`${file}.tmp`, content);
  fs.renameSync(`${file}.tmp`, file);
}

describe(`Prometheus ${version} (Debian's package) on the staging render with a second service`, function () {
  this.timeout(300_000);
  const processes = new Processes();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "systems-prometheus-"));
  const file = (name: string) => path.join(dir, name);
  let render: StagingRender;
  let renderedConfig: string;
  let args: string[];
  let prometheusUrl: string;
  let service: Awaited<ReturnType<typeof startService>>;
  /** The service's pod as discovery would find it, handed to Prometheus only once the test says so. */
  let podTargets: string;

  before(async () => {
    onPath("prometheus");
    onPath("promtool");
    render = await stagingRender({ secondService: true });
    fs.mkdirSync(file("rules"));
    fs.writeFileSync(file("rules/alerts.yaml"), render.configMapData("observability", "prometheus-rules", "alerts.yaml"));
    renderedConfig = toLoopback(render.configMapData("observability", "prometheus-config", "prometheus.yml"), {
      hosts: ["localhost"],
      paths: { "/etc/prometheus/rules/alerts.yaml": file("rules/alerts.yaml") },
    });
    fs.writeFileSync(file("prometheus.rendered.yml"), renderedConfig);
    const container = render.object("StatefulSet", "observability", "prometheus").spec.template.spec.containers[0];
    args = toLoopback((container.args as string[]).join("\n"), {
      hosts: ["0.0.0.0"],
      paths: { "/etc/prometheus/config/prometheus.yml": file("prometheus.yml"), "/prometheus": file("data") },
    }).split("\n");
    const listen = args.find((arg) => arg.startsWith("--web.listen-address="))!.split("=")[1]!;
    prometheusUrl = `http://${listen}`;
  });
  after(() => processes.stopAll());

  it("promtool check rules accepts the rendered rules file as it is", () => {
    const result = run("promtool", ["check", "rules", file("rules/alerts.yaml")]);
    const count = (parse(fs.readFileSync(file("rules/alerts.yaml"), "utf8")) as Any).groups.flatMap((group: Any) => group.rules).length;
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, new RegExp(`SUCCESS: ${count} rules found`));
  });

  it("promtool check config: Debian's build refuses kubernetes_sd_configs, and accepts the config with the pod handed over by file", () => {
    const refused = run("promtool", ["check", "config", file("prometheus.rendered.yml")]);
    assert.equal(refused.status, 1);
    // If this stops failing, Debian's build has Kubernetes discovery: drop the file stand-in.
    assert.match(refused.output, /field kubernetes_sd_configs not found in type config\.ScrapeConfig/);
    const deployment = render.object("Deployment", "apps", SERVICE);
    podTargets = JSON.stringify([podTargetGroup(deployment, "127.0.0.1")]);
    // No target yet: the scrape test hands the pod over once the service has answered its first requests.
    fs.writeFileSync(file("pods.json"), "[]");
    fs.writeFileSync(file("prometheus.yml"), podDiscoveryFromFile(renderedConfig, file("pods.json"), { namespace: "apps", labels: deployment.spec.template.metadata.labels }));
    const checked = run("promtool", ["check", "config", file("prometheus.yml")]);
    assert.equal(checked.status, 0, checked.output);
    assert.match(checked.output, /SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/);
  });

  it("starts with the rendered arguments and loads every rendered rule", async () => {
    await assertPortsFree([Number(new URL(prometheusUrl).port)]);
    const prometheus = processes.start("prometheus", "prometheus", args);
    await waitFor("Prometheus /-/ready", async () => ((await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined), { running: prometheus });
    const rules = await httpJson<Any>(`${prometheusUrl}/api/v1/rules`);
    const loaded = rules.data.groups.flatMap((group: Any) => group.rules.map((rule: Any) => rule.name)).sort();
    assert.deepEqual(loaded, ruleNames(parse(fs.readFileSync(file("rules/alerts.yaml"), "utf8"))));
    const groups = rules.data.groups.map((group: Any) => group.name);
    for (const app of [{ namespace: "apps", name: SERVICE }, SECOND_SERVICE]) assert.ok(groups.includes(sloGroupName(app)), `no group ${sloGroupName(app)} in ${groups.join(", ")}`);
  });

  it("scrapes the built service through the rendered relabeling, and answers http_requests_total", async () => {
    const mounts = mountDirs();
    // Vault is not part of this test: placeholder login files satisfy the service's config check.
    writePlaceholderLogin(mounts);
    const env = serviceEnv(render, mounts);
    await assertPortsFree([Number(env.APP_PORT)]);
    service = await startService(processes, env);
    for (let request = 0; request < PRIOR_READS; request += 1) assert.equal((await fetch(`${service.baseUrl}/api/v1/items/`)).status, 200);
    // Writes wait for the API key from Vault, which this test does not run: each is a real 503 of the service.
    for (let request = 0; request < PRIOR_WRITES; request += 1) assert.equal((await write(service.baseUrl)).status, 503);
    // Only now is the pod discovered, so the first scrape already holds both series (see the SLO test below).
    replaceFile(file("pods.json"), podTargets);
    const target = await waitFor(
      "the service's target to be scraped (scrape_interval 30s)",
      async () => {
        const targets = await httpJson<Any>(`${prometheusUrl}/api/v1/targets`);
        return targets.data.activeTargets.find((entry: Any) => entry.labels.app === SERVICE && entry.health === "up");
      },
      { attempts: 90, intervalMs: 1000 },
    );
    assert.deepEqual([target.labels.namespace, target.labels.job, target.scrapeUrl], ["apps", "kubernetes-pods", `http://127.0.0.1:${env.APP_PORT}/metrics`]);
    const query = encodeURIComponent(`sum(http_requests_total{app="${SERVICE}",namespace="apps",method="GET",status_code="200"})`);
    const result = await httpJson<Any>(`${prometheusUrl}/api/v1/query?query=${query}`);
    assert.equal(result.data.result.length, 1, JSON.stringify(result.data));
    assert.equal(Number(result.data.result[0].value[1]), PRIOR_READS);
  });

  it("records the service's error ratio, error budget and burn-rate alerts from its real traffic, and every rule of both services evaluates", async () => {
    // The sent traffic: GETs answered 200, writes answered 503 (no API key without Vault), so the availability
    // error ratio must be exactly failed / sent. Prometheus extrapolates each series' increase towards the window's
    // start, alike for series with the same samples, unless extrapolating would take a counter below zero: it
    // then stops where the counter would reach zero, which differs per series. Both series appeared in the first
    // scrape, with first values (PRIOR_*) over 1.1 times the increase sent here, so neither is stopped.
    const reads = 5;
    const writes = 3;
    assert.ok(PRIOR_READS > 1.1 * reads && PRIOR_WRITES > 1.1 * writes, "the first values must exceed 1.1 times the increase");
    const scraped = async (status: string) => {
      const query = encodeURIComponent(`sum(http_requests_total{app="${SERVICE}",namespace="apps",status_code="${status}"})`);
      return (await httpJson<Any>(`${prometheusUrl}/api/v1/query?query=${query}`)).data.result[0]?.value as [number, string] | undefined;
    };
    for (let request = 0; request < reads; request += 1) assert.equal((await fetch(`${service.baseUrl}/api/v1/items/`)).status, 200);
    for (let request = 0; request < writes; request += 1) assert.equal((await write(service.baseUrl)).status, 503);
    const [scrapedAt] = await waitFor(
      "a scrape after the traffic",
      async () => {
        const [ok, failed] = [await scraped("200"), await scraped("503")];
        return Number(ok?.[1]) === PRIOR_READS + reads && Number(failed?.[1]) === PRIOR_WRITES + writes ? ok : undefined;
      },
      { attempts: 90, intervalMs: 1000 },
    );
    const group = sloGroupName({ namespace: "apps", name: SERVICE });
    await waitFor(
      `rule group ${group} evaluated after that scrape (evaluation_interval 30s)`,
      async () => {
        const rules = await httpJson<Any>(`${prometheusUrl}/api/v1/rules`);
        const evaluated = rules.data.groups.find((candidate: Any) => candidate.name === group)?.lastEvaluation;
        return evaluated && Date.parse(evaluated) / 1000 > scrapedAt ? true : undefined;
      },
      { attempts: 90, intervalMs: 1000 },
    );
    const value = async (expr: string) => {
      const result = (await httpJson<Any>(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).data.result;
      assert.equal(result.length, 1, `${expr}: ${JSON.stringify(result)}`);
      return Number(result[0].value[1]);
    };
    const of = (slo: string) => `{namespace="apps",app="${SERVICE}",slo="${slo}"}`;
    const expected = writes / (reads + writes);
    for (const window of ["5m", "30m", "1h", "6h", "1d", "3d"]) {
      const ratio = await value(`${SLO_RECORD.errorRatio(window)}${of("availability")}`);
      assert.ok(Math.abs(ratio - expected) < 1e-9, `availability error ratio over ${window}: ${ratio}, expected ${writes} / ${reads + writes}`);
    }
    // Every request took well under the 250 ms threshold.
    assert.equal(await value(`${SLO_RECORD.errorRatio("5m")}${of("latency")}`), 0);
    const budget = 1 - (await value(`${SLO_RECORD.objective}${of("availability")}`));
    assert.ok(Math.abs((await value(`${SLO_RECORD.budgetRemaining}${of("availability")}`)) - (1 - expected / budget)) < 1e-6, "error budget remaining");
    const alerts = (await httpJson<Any>(`${prometheusUrl}/api/v1/alerts`)).data.alerts.filter((alert: Any) => alert.labels.app === SERVICE && alert.labels.slo === "availability");
    assert.deepEqual(
      alerts.map((alert: Any) => `${alert.labels.alertname} ${alert.labels.severity} ${alert.state}`).sort(),
      ["ErrorBudgetBurnPage critical firing", "ErrorBudgetBurnTicket warning firing"],
    );
    const rules = await httpJson<Any>(`${prometheusUrl}/api/v1/rules`);
    const unhealthy = rules.data.groups.flatMap((candidate: Any) => candidate.rules.filter((rule: Any) => rule.health === "err").map((rule: Any) => `${candidate.name}/${rule.name}: ${rule.lastError}`));
    assert.deepEqual(unhealthy, []);
    assert.ok(
      rules.data.groups.find((candidate: Any) => candidate.name === sloGroupName(SECOND_SERVICE))?.rules.every((rule: Any) => rule.health === "ok"),
      `${SECOND_SERVICE.name}'s rules were evaluated without error (it has no traffic, so they record nothing)`,
    );
  });

  it("refuses a config broken on purpose, in promtool and at start, with its message", () => {
    const broken = fs.readFileSync(file("prometheus.yml"), "utf8").replace("scrape_interval: 30s", "scrape_interval: 30 seconds");
    assert.notEqual(broken, fs.readFileSync(file("prometheus.yml"), "utf8"));
    fs.writeFileSync(file("broken.yml"), broken);
    const checked = run("promtool", ["check", "config", file("broken.yml")]);
    assert.equal(checked.status, 1);
    assert.match(checked.output, /not a valid duration string: "30 seconds"/);
    const started = run("prometheus", [`--config.file=${file("broken.yml")}`, `--storage.tsdb.path=${file("broken-data")}`, "--web.listen-address=127.0.0.1:0"], { timeoutMs: 60_000 });
    assert.notEqual(started.status, 0);
    assert.match(started.output, /Error loading config.*not a valid duration string: \\"30 seconds\\"/s);
  });
});
