/**
 * Prometheus, Debian's package (apt-get, see scripts/install-systems.sh), run with the staging render's
 * prometheus.yml, rules and arguments: it loads the rules, discovers and scrapes the built service through the
 * rendered relabeling, and answers a query for the service's http_requests_total.
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
import { stagingRender, type StagingRender } from "./support/render";
import { mountDirs, SERVICE, serviceEnv } from "./support/serviceEnv";
import { startService } from "./support/service";

type Any = Record<string, any>;

const version = run("prometheus", ["--version"]).output.split("\n")[0]?.replace(/^prometheus, version /, "") ?? "missing";

describe(`Prometheus ${version} (Debian's package) on the staging render`, function () {
  this.timeout(300_000);
  const processes = new Processes();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "systems-prometheus-"));
  const file = (name: string) => path.join(dir, name);
  let render: StagingRender;
  let renderedConfig: string;
  let args: string[];
  let prometheusUrl: string;

  before(async () => {
    onPath("prometheus");
    onPath("promtool");
    render = await stagingRender();
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
    fs.writeFileSync(file("pods.json"), JSON.stringify([podTargetGroup(deployment, "127.0.0.1")]));
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
    const rendered = (parse(fs.readFileSync(file("rules/alerts.yaml"), "utf8")) as Any).groups.flatMap((group: Any) => group.rules.map((rule: Any) => rule.alert)).sort();
    assert.deepEqual(loaded, rendered);
  });

  it("scrapes the built service through the rendered relabeling, and answers http_requests_total", async () => {
    const mounts = mountDirs();
    // Vault is not part of this test: placeholder credentials satisfy the service's config check.
    for (const name of ["role-id", "secret-id"]) fs.writeFileSync(path.join(mounts.vaultDir, name), "placeholder\n");
    const env = serviceEnv(render, mounts);
    await assertPortsFree([Number(env.APP_PORT)]);
    const service = await startService(processes, env);
    for (let request = 0; request < 3; request += 1) assert.equal((await fetch(`${service.baseUrl}/api/v1/items/`)).status, 200);
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
    assert.equal(Number(result.data.result[0].value[1]), 3);
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
