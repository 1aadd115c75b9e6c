import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { THRESHOLDS, alertRules, type RuleFile } from "../../../components/observability/prometheus";
import type { AlertRule } from "../../../components/observability/prometheus/alertRules";
import { appWorkloads } from "../../../components/platformEndpoints";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import { findObject, stackRun, type MockRun } from "../../support/runs";

type Any = Record<string, any>;

const RUNBOOK_BASE = "https://git.example.com/platform/docs/runbooks";

function renderedRules(run: MockRun): RuleFile {
  return parse((findObject(run, "ConfigMap", "prometheus-rules", "observability") as Any).data["alerts.yaml"]);
}
/** The alerting rules of a file (the SLO groups also hold recording rules). */
function rulesOf(file: RuleFile): AlertRule[] {
  return file.groups.flatMap((group) => group.rules).filter((rule): rule is AlertRule => "alert" in rule);
}

const PROMTOOL = spawnSync("promtool", ["--version"]).status === 0;
function requirePromtool(context: Mocha.Context): void {
  if (!PROMTOOL) {
    console.log("      promtool not installed: skipped (run toolchain/test-tools/install-promtool.sh)");
    context.skip();
  }
}
function promtool(args: string[], cwd: string): string {
  return execFileSync("promtool", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

for (const stack of ["staging", "production"] as const) {
  describe(`Alert rules on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    it("alerts on the service's objectives and every runbook threshold without one, plus a down service and a stalled log pipeline", () => {
      const names = rulesOf(renderedRules(run)).map((rule) => rule.alert).sort();
      // The stack's objectives (availability and latency) replace HighErrorRate and HighLatencyP99.
      assert.deepEqual(names, [
        "ErrorBudgetBurnPage",
        "ErrorBudgetBurnPage",
        "ErrorBudgetBurnTicket",
        "ErrorBudgetBurnTicket",
        "HighCpu",
        "HighMemory",
        "LogLinesDropped",
        "LogPipelineConsumerLag",
        "LogPipelineErrors",
        "PodRestarting",
        "ScrapeDiscoveryLost",
        "ServiceDown",
      ]);
    });

    it("links every rule to an absolute runbook URL under the stack's runbookBaseUrl", () => {
      const base = run.config.observability.prometheus.runbookBaseUrl;
      assert.match(base, /^https:\/\//);
      for (const rule of rulesOf(renderedRules(run))) {
        assert.ok(rule.annotations.runbook_url.startsWith(`${base}/`), `${rule.alert}: ${rule.annotations.runbook_url} is not under ${base}`);
        assert.equal(new URL(rule.annotations.runbook_url).protocol, "https:", `${rule.alert}: runbook_url is not absolute`);
      }
    });

    it("labels every rule with its layer, so a platform failure can inhibit the service alerts it causes", () => {
      for (const rule of rulesOf(renderedRules(run))) {
        assert.ok(["platform", "service"].includes(rule.labels.layer), `${rule.alert}: layer ${rule.labels.layer}`);
        if (rule.labels.layer === "service") assert.deepEqual([rule.labels.namespace, rule.labels.app], ["apps", "items-api"], rule.alert);
      }
    });

    it("links every rule to a runbook file that exists in docs/runbooks", () => {
      for (const rule of rulesOf(renderedRules(run))) {
        const match = /(?:^|\/)(docs\/runbooks\/[a-z0-9-]+\.md)$/.exec(rule.annotations.runbook_url);
        assert.ok(match, `${rule.alert}: runbook_url ${rule.annotations.runbook_url} does not name a file in docs/runbooks`);
        assert.ok(fs.existsSync(path.join(PROJECT_ROOT, match[1])), `${rule.alert}: ${match[1]} does not exist`);
      }
    });

    it("measures CPU and memory against the service's own limits from config", () => {
      const limits = run.config.services["items-api"].resources.limits;
      const byName = Object.fromEntries(rulesOf(renderedRules(run)).map((rule) => [rule.alert, rule]));
      const cpuCores = { "250m": 0.25, "500m": 0.5 }[limits.cpu as "250m" | "500m"];
      assert.ok(byName.HighCpu.expr.endsWith(`/ ${cpuCores} > ${THRESHOLDS.cpuOfLimit}`), byName.HighCpu.expr);
      assert.equal(limits.memory, "256Mi");
      assert.ok(byName.HighMemory.expr.endsWith(`/ ${256 * 2 ** 20} > ${THRESHOLDS.memoryOfLimit}`), byName.HighMemory.expr);
      assert.equal(byName.HighErrorRate, undefined, "the availability objective replaces HighErrorRate");
    });

    it("passes promtool check rules", function () {
      requirePromtool(this);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-"));
      fs.writeFileSync(path.join(dir, "alerts.yaml"), (findObject(run, "ConfigMap", "prometheus-rules", "observability") as Any).data["alerts.yaml"]);
      const output = promtool(["check", "rules", "alerts.yaml"], dir);
      // 8 alerts without the two the objectives replace, and 2 objectives of 12 records and 2 alerts each.
      assert.match(output, /SUCCESS: 36 rules found/);
    });
  });
}

describe("promtool check rules catches a broken rule (so the check above can fail)", () => {
  it("rejects an expression that is not PromQL", function () {
    requirePromtool(this);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-"));
    const broken = alertRules([], RUNBOOK_BASE);
    broken.groups[0].rules[0].expr = "sum by (app (rate(x[5m]))";
    fs.writeFileSync(path.join(dir, "alerts.yaml"), stringify(broken));
    const result = spawnSync("promtool", ["check", "rules", "alerts.yaml"], { cwd: dir, encoding: "utf8" });
    assert.notEqual(result.status, 0);
  });
});

// ── Behaviour: promtool test rules feeds synthetic series and checks which alerts fire ──

interface Series {
  series: string;
  values: string;
}
interface AlertCase {
  eval_time: string;
  alertname: string;
  exp_alerts: { exp_labels: Record<string, string> }[];
}
interface PromtoolTest {
  interval: string;
  input_series: Series[];
  alert_rule_test: AlertCase[];
}

const ITEMS = { job: "kubernetes-pods", namespace: "apps", app: "items-api" };
const POD = { ...ITEMS, pod: "items-api-0" };
const series = (name: string, labels: Record<string, string>, values: string): Series => ({
  series: `${name}{${Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(",")}}`,
  values,
});
const PLATFORM_ALERTS = ["LogPipelineConsumerLag", "LogPipelineErrors", "ScrapeDiscoveryLost"];
// Every rule carries its layer; service rules also carry the service's namespace and app as static labels.
const fires = (alertname: string, at: string, labels: Record<string, string>): AlertCase => ({
  eval_time: at,
  alertname,
  exp_alerts: [{ exp_labels: PLATFORM_ALERTS.includes(alertname) ? { ...labels, layer: "platform" } : { namespace: "apps", app: "items-api", ...labels, layer: "service" } }],
});
const silent = (alertname: string, at: string): AlertCase => ({ eval_time: at, alertname, exp_alerts: [] });
const test = (input_series: Series[], ...cases: AlertCase[]): PromtoolTest => ({ interval: "1m", input_series, alert_rule_test: cases });

const requests = (ok: string, failed: string) => [
  series("http_requests_total", { ...ITEMS, status_code: "200" }, ok),
  series("http_requests_total", { ...ITEMS, status_code: "500" }, failed),
];
const latency = (underHalfSecond: string, underTwoAndAHalf: string) => [
  series("http_request_duration_seconds_bucket", { ...ITEMS, le: "0.5" }, underHalfSecond),
  series("http_request_duration_seconds_bucket", { ...ITEMS, le: "1" }, underHalfSecond),
  series("http_request_duration_seconds_bucket", { ...ITEMS, le: "2.5" }, underTwoAndAHalf),
  series("http_request_duration_seconds_bucket", { ...ITEMS, le: "+Inf" }, underTwoAndAHalf),
];
const LAG = { job: "kubernetes-pods", namespace: "observability", app: "vector-aggregator" };

const BEHAVIOUR: { guarantee: string; test: PromtoolTest }[] = [
  { guarantee: "HighErrorRate fires at 2% 5xx held for 10 minutes", test: test(requests("0+98x30", "0+2x30"), fires("HighErrorRate", "20m", { namespace: "apps", app: "items-api", severity: "critical" })) },
  { guarantee: "HighErrorRate stays silent at 0.5% 5xx", test: test(requests("0+99.5x30", "0+0.5x30"), silent("HighErrorRate", "20m")) },
  { guarantee: "HighErrorRate stays pending through the first 10 minutes of errors", test: test(requests("0+98x30", "0+2x30"), silent("HighErrorRate", "10m")) },
  { guarantee: "HighLatencyP99 fires when p99 is above 1 s", test: test(latency("0x30", "0+10x30"), fires("HighLatencyP99", "15m", { namespace: "apps", app: "items-api", severity: "warning" })) },
  { guarantee: "HighLatencyP99 stays silent when every request takes under 0.5 s", test: test(latency("0+10x30", "0+10x30"), silent("HighLatencyP99", "15m")) },
  {
    guarantee: "PodRestarting fires on 3 restarts within 5 minutes",
    test: test([series("process_start_time_seconds", POD, "100 100 160 220 280 280")], fires("PodRestarting", "5m", { ...POD, severity: "warning" })),
  },
  { guarantee: "PodRestarting stays silent on 2 restarts within 5 minutes", test: test([series("process_start_time_seconds", POD, "100 100 160 220 220 220")], silent("PodRestarting", "5m")) },
  {
    guarantee: "HighCpu fires at 96% of the 250m limit for 10 minutes",
    test: test([series("process_cpu_seconds_total", POD, "0+14.4x30")], fires("HighCpu", "20m", { namespace: "apps", app: "items-api", pod: "items-api-0", severity: "warning" })),
  },
  { guarantee: "HighCpu stays silent at 40% of the limit", test: test([series("process_cpu_seconds_total", POD, "0+6x30")], silent("HighCpu", "20m")) },
  {
    guarantee: "HighMemory fires at 250Mi of a 256Mi limit for 5 minutes",
    test: test([series("process_resident_memory_bytes", POD, `${250 * 2 ** 20}x20`)], fires("HighMemory", "10m", { namespace: "apps", app: "items-api", pod: "items-api-0", severity: "warning" })),
  },
  { guarantee: "HighMemory stays silent at 200Mi of 256Mi (78%)", test: test([series("process_resident_memory_bytes", POD, `${200 * 2 ** 20}x20`)], silent("HighMemory", "10m")) },
  {
    guarantee: "LogLinesDropped fires as soon as a pod drops log lines",
    test: test([series("log_lines_dropped_total", POD, "0 0 0 40 40 40")], fires("LogLinesDropped", "4m", { namespace: "apps", app: "items-api", pod: "items-api-0", severity: "warning" })),
  },
  { guarantee: "LogLinesDropped stays silent while the counter is flat", test: test([series("log_lines_dropped_total", POD, "40x20")], silent("LogLinesDropped", "15m")) },
  { guarantee: "ServiceDown fires when every target is down", test: test([series("up", POD, "0x10")], fires("ServiceDown", "5m", { severity: "critical" })) },
  { guarantee: "ServiceDown fires when no target is discovered at all", test: test([series("up", { job: "prometheus" }, "1x10")], fires("ServiceDown", "5m", { severity: "critical" })) },
  { guarantee: "ServiceDown stays silent while a target is up", test: test([series("up", POD, "1x10")], silent("ServiceDown", "5m")) },
  { guarantee: "ScrapeDiscoveryLost fires when no enrolled pod is scraped at all", test: test([series("up", { job: "prometheus" }, "1x10")], fires("ScrapeDiscoveryLost", "6m", { job: "kubernetes-pods", severity: "critical" })) },
  { guarantee: "ScrapeDiscoveryLost stays silent while one enrolled pod is up", test: test([series("up", POD, "1x10")], silent("ScrapeDiscoveryLost", "6m")) },
  {
    guarantee: "LogPipelineConsumerLag fires when the aggregator is 20000 messages behind for 10 minutes",
    test: test([series("vector_kafka_consumer_lag", { ...LAG, topic_id: "app-logs", partition_id: "0" }, "20000x30")], fires("LogPipelineConsumerLag", "15m", { namespace: "observability", app: "vector-aggregator", severity: "critical" })),
  },
  { guarantee: "LogPipelineConsumerLag stays silent at a lag of 100", test: test([series("vector_kafka_consumer_lag", { ...LAG, topic_id: "app-logs", partition_id: "0" }, "100x30")], silent("LogPipelineConsumerLag", "15m")) },
  {
    guarantee: "LogPipelineErrors fires when a Vector sink keeps erroring for 10 minutes",
    test: test(
      [series("vector_component_errors_total", { ...LAG, component_id: "elasticsearch" }, "0+5x30")],
      fires("LogPipelineErrors", "15m", { namespace: "observability", app: "vector-aggregator", component_id: "elasticsearch", severity: "critical" }),
    ),
  },
  { guarantee: "LogPipelineErrors stays silent when the error counter is flat", test: test([series("vector_component_errors_total", { ...LAG, component_id: "elasticsearch" }, "5x30")], silent("LogPipelineErrors", "15m")) },
];

describe("Alert rules behaviour (promtool test rules on synthetic series)", () => {
  let dir: string;
  before(async () => {
    const config = (await stackRun("staging")).config;
    // The services without the stack's default objectives: the threshold alerts they keep (slo-*.test.ts
    // covers the objectives' own alerts).
    // Annotations are templates checked by `promtool check rules`; left out here so each case states only labels.
    const rules = alertRules(appWorkloads(config.services, config.namespaces.apps), RUNBOOK_BASE);
    for (const rule of rulesOf(rules)) delete (rule as Partial<typeof rule>).annotations;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rule-tests-"));
    fs.writeFileSync(path.join(dir, "alerts.yaml"), stringify(rules));
  });

  for (const { guarantee, test: promtoolTest } of BEHAVIOUR) {
    it(guarantee, function () {
      requirePromtool(this);
      const file = `${guarantee.replace(/[^A-Za-z0-9]+/g, "-")}.yaml`;
      fs.writeFileSync(path.join(dir, file), stringify({ rule_files: ["alerts.yaml"], evaluation_interval: "1m", tests: [promtoolTest] }));
      const result = spawnSync("promtool", ["test", "rules", file], { cwd: dir, encoding: "utf8" });
      assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    });
  }
});
