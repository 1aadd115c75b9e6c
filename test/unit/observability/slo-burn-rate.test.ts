/**
 * The burn-rate alerts of one service's availability objective, fed synthetic traffic by `promtool test rules`.
 * Every expectation is the workbook's arithmetic, computed here from the objective and the alert windows: a
 * condition "factor F over long window L, confirmed over short window S" holds once both windows' error
 * ratios exceed F × budget. After a long healthy stretch, a burn of B× lifts a window W's ratio linearly, so it
 * passes F × budget after W × F / B of burning; the condition holds from the later of its two windows.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { SLO_RECORD, alertRules, errorBudget, sloGroupName } from "../../../components/observability/prometheus";
import type { AlertRule } from "../../../components/observability/prometheus/alertRules";
import { appWorkloads } from "../../../components/platformEndpoints";
import { parseConfig } from "../../../components/stackConfig";
import { loadStackFile } from "../../../scripts/lib/stackFile";

const SERVICE = { job: "kubernetes-pods", namespace: "apps", app: "items-api" };
const REQUESTS_PER_MINUTE = 1000;
/** Three days of healthy traffic first, so even the 3-day window is full of it when a burn starts. */
const HEALTHY_MINUTES = 3 * 24 * 60;
/** Where only the page is checked, 6 hours (its longest window) of healthy traffic are enough, and cheaper. */
const HEALTHY_FOR_PAGE = 6 * 60;

/**
 * The workbook's recommended alerts, written here rather than read from the code under test, with windows in
 * minutes: a page (severity critical) at 14.4× over 1h confirmed over 5m, or 6× over 6h confirmed over 30m; a
 * ticket (severity warning) at 3× over 1d confirmed over 2h, or 1× over 3d confirmed over 6h.
 */
const WORKBOOK = {
  page: { alert: "ErrorBudgetBurnPage", severity: "critical", conditions: [{ long: 60, short: 5, factor: 14.4 }, { long: 360, short: 30, factor: 6 }] },
  ticket: { alert: "ErrorBudgetBurnTicket", severity: "warning", conditions: [{ long: 1440, short: 120, factor: 3 }, { long: 4320, short: 360, factor: 1 }] },
};
type WorkbookAlert = (typeof WORKBOOK)[keyof typeof WORKBOOK];

/** Minutes of a steady burn of `burn`× after which an alert first fires, or Infinity when it never does. */
function minutesToFire(alert: WorkbookAlert, burn: number): number {
  return Math.min(...alert.conditions.map(({ long, short, factor }) => (burn > factor ? Math.max(long, short) * (factor / burn) : Infinity)));
}

const { page, ticket } = WORKBOOK;

/** A counter in promtool's notation, one sample a minute from 0: each segment adds `perMinute` for `minutes`. */
function counter(segments: { minutes: number; perMinute: number }[]): string {
  let value = 0;
  const parts = ["0"];
  for (const { minutes, perMinute } of segments) {
    parts.push(`${value + perMinute}+${perMinute}x${minutes - 1}`);
    value += perMinute * minutes;
  }
  return parts.join(" ");
}

/** The service's traffic: REQUESTS_PER_MINUTE throughout, with a share of 5xx set per segment as a burn rate. */
function traffic(budget: number, segments: { minutes: number; burn: number }[]) {
  const round = (value: number) => Number(value.toPrecision(12));
  const failed = segments.map(({ minutes, burn }) => ({ minutes, perMinute: round(burn * budget * REQUESTS_PER_MINUTE) }));
  const ok = segments.map(({ minutes, burn }) => ({ minutes, perMinute: round(REQUESTS_PER_MINUTE - burn * budget * REQUESTS_PER_MINUTE) }));
  const labels = (status: string) => Object.entries({ ...SERVICE, status_code: status, route: "/api/v1/items/", method: "GET" }).map(([key, value]) => `${key}="${value}"`).join(",");
  return [
    { series: `http_requests_total{${labels("200")}}`, values: counter(ok) },
    { series: `http_requests_total{${labels("500")}}`, values: counter(failed) },
  ];
}

const at = (minutes: number) => `${Math.round(minutes)}m`;

describe("service level objectives: burn-rate alerts fire when the workbook says (promtool test rules)", function () {
  this.timeout(600_000);
  let dir: string;
  let budget: number;
  const alertLabels = (severity: string) => ({ severity, layer: "service", namespace: "apps", app: "items-api", slo: "availability" });

  before(() => {
    const version = spawnSync("promtool", ["--version"], { encoding: "utf8" });
    if (version.status !== 0) throw new Error("promtool is not installed: run bash toolchain/test-tools/install-promtool.sh (npm test installs it)");
    const config = parseConfig(loadStackFile("staging"), "staging");
    const [workload] = appWorkloads(config.services, config.namespaces.apps, { availability: config.objectives.availability });
    const objective = workload.objectives[0];
    budget = errorBudget(objective);
    // Only the objective's group: the other groups' alerts are tested in alert-rules.test.ts.
    const group = alertRules([workload], "https://runbooks.example.com").groups.find((candidate) => candidate.name === sloGroupName(workload))!;
    for (const rule of group.rules) delete (rule as Partial<AlertRule>).annotations;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "slo-burn-"));
    fs.writeFileSync(path.join(dir, "slo.yaml"), stringify({ groups: [group] }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Rules are evaluated every minute, or every 5 where only hours matter (the 3-day windows cost the most). */
  function promtoolTest(name: string, test: object, evaluationMinutes = 1): void {
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, stringify({ rule_files: ["slo.yaml"], evaluation_interval: `${evaluationMinutes}m`, tests: [test] }));
    const result = spawnSync("promtool", ["test", "rules", file], { cwd: dir, encoding: "utf8" });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  }
  /** One sample a minute: `history` minutes of healthy traffic, then each segment at its burn rate. */
  const afterHealthy = (history: number, segments: { minutes: number; burn: number }[]) => ({
    interval: "1m",
    input_series: traffic(budget, [{ minutes: history, burn: 0 }, ...segments]),
  });
  const firing = (alert: { alert: string; severity: string }, minutes: number) => ({ eval_time: at(minutes), alertname: alert.alert, exp_alerts: [{ exp_labels: alertLabels(alert.severity) }] });
  const silent = (alert: { alert: string }, minutes: number) => ({ eval_time: at(minutes), alertname: alert.alert, exp_alerts: [] });

  it("at a 15× burn, pages after about 58 minutes (1h × 14.4 / 15) and opens a ticket after about 4.8 hours (1d × 3 / 15)", () => {
    const pageAfter = minutesToFire(page, 15);
    const ticketAfter = minutesToFire(ticket, 15);
    assert.deepEqual([pageAfter, ticketAfter].map((minutes) => Number(minutes.toFixed(6))), [57.6, 288]);
    promtoolTest("burn-15x", {
      ...afterHealthy(HEALTHY_MINUTES, [{ minutes: ticketAfter + 10, burn: 15 }]),
      alert_rule_test: [
        silent(page, HEALTHY_MINUTES + pageAfter - 2),
        firing(page, HEALTHY_MINUTES + pageAfter + 2),
        silent(ticket, HEALTHY_MINUTES + pageAfter + 2),
        silent(ticket, HEALTHY_MINUTES + ticketAfter - 2),
        firing(ticket, HEALTHY_MINUTES + ticketAfter + 2),
      ],
    });
  });

  it("at an 8× burn, pages only through the 6-hour window, after 4.5 hours (6h × 6 / 8), and opens a ticket after 9 hours (1d × 3 / 8)", () => {
    const pageAfter = minutesToFire(page, 8);
    const ticketAfter = minutesToFire(ticket, 8);
    assert.deepEqual([pageAfter, ticketAfter], [270, 540]);
    promtoolTest("burn-8x", {
      ...afterHealthy(HEALTHY_MINUTES, [{ minutes: ticketAfter + 10, burn: 8 }]),
      alert_rule_test: [
        silent(page, HEALTHY_MINUTES + 60),
        silent(page, HEALTHY_MINUTES + pageAfter - 5),
        firing(page, HEALTHY_MINUTES + pageAfter + 5),
        silent(ticket, HEALTHY_MINUTES + ticketAfter - 5),
        firing(ticket, HEALTHY_MINUTES + ticketAfter + 5),
      ],
    }, 5);
  });

  it("at a 2× burn, never pages (2 < 6) and opens a ticket after 36 hours (3d × 1 / 2)", () => {
    const ticketAfter = minutesToFire(ticket, 2);
    assert.equal(minutesToFire(page, 2), Infinity);
    assert.equal(ticketAfter, 36 * 60);
    promtoolTest("burn-2x", {
      ...afterHealthy(HEALTHY_MINUTES, [{ minutes: ticketAfter + 10, burn: 2 }]),
      alert_rule_test: [
        silent(page, HEALTHY_MINUTES + 60),
        silent(page, HEALTHY_MINUTES + 6 * 60),
        silent(page, HEALTHY_MINUTES + ticketAfter + 5),
        silent(ticket, HEALTHY_MINUTES + 24 * 60),
        silent(ticket, HEALTHY_MINUTES + ticketAfter - 5),
        firing(ticket, HEALTHY_MINUTES + ticketAfter + 5),
      ],
    }, 5);
  });

  it("at a 0.9× burn for three days, fires nothing: the budget lasts the window", () => {
    assert.equal(minutesToFire(page, 0.9), Infinity);
    assert.equal(minutesToFire(ticket, 0.9), Infinity);
    const burning = 3 * 24 * 60;
    promtoolTest("burn-0.9x", {
      ...afterHealthy(HEALTHY_MINUTES, [{ minutes: burning, burn: 0.9 }]),
      alert_rule_test: [1, 6, 24, 48, 72].flatMap((hours) => [silent(page, HEALTHY_MINUTES + hours * 60), silent(ticket, HEALTHY_MINUTES + hours * 60)]),
    }, 5);
  });

  it("a service that never answered a server error records an error ratio of 0 and its whole budget, not nothing", () => {
    const healthy = traffic(budget, [{ minutes: 120, burn: 0 }]).filter((series) => series.series.includes('status_code="200"'));
    const labels = `{namespace="apps",app="items-api",slo="availability"}`;
    promtoolTest("never-failed", {
      interval: "1m",
      input_series: healthy,
      alert_rule_test: [silent(page, 60), silent(ticket, 60)],
      promql_expr_test: [
        { expr: `${SLO_RECORD.errorRatio("5m")}${labels}`, eval_time: "60m", exp_samples: [{ labels: `${SLO_RECORD.errorRatio("5m")}${labels}`, value: 0 }] },
        { expr: `${SLO_RECORD.errorRatio("1h")}${labels}`, eval_time: "60m", exp_samples: [{ labels: `${SLO_RECORD.errorRatio("1h")}${labels}`, value: 0 }] },
        { expr: `${SLO_RECORD.budgetRemaining}${labels}`, eval_time: "60m", exp_samples: [{ labels: `${SLO_RECORD.budgetRemaining}{namespace="apps",app="items-api",slo="availability",period="7d"}`, value: 1 }] },
      ],
    });
  });

  it("a 5-minute spike at 20× never pages: the 1h window only reaches 20 × 5 / 60 ≈ 1.7×", () => {
    assert.ok((20 * 5) / 60 < page.conditions[0].factor);
    promtoolTest("spike-20x", {
      ...afterHealthy(HEALTHY_FOR_PAGE, [{ minutes: 5, burn: 20 }, { minutes: 120, burn: 0 }]),
      alert_rule_test: [3, 5, 10, 30, 60].map((minutes) => silent(page, HEALTHY_FOR_PAGE + minutes)),
    });
  });

  it("after a 5-minute outage, stops paging once the short windows no longer see it, while the long windows still do", () => {
    // Every request failing is a burn of 1 / budget (1000× at 99.9%). The fast condition's short window (5m)
    // forgets it 5 minutes after the end, the slow condition's (30m) 30 minutes after; the long windows (1h, 6h)
    // would keep the page for hours.
    const outage = 1 / budget;
    const [fast, slow] = page.conditions;
    const end = HEALTHY_FOR_PAGE + 5;
    const window = (minutes: number) => ({ 60: "1h", 360: "6h" })[minutes as 60 | 360];
    const hourRatio = (5 * REQUESTS_PER_MINUTE) / (60 * REQUESTS_PER_MINUTE);
    const sixHourRatio = (5 * REQUESTS_PER_MINUTE) / (360 * REQUESTS_PER_MINUTE);
    assert.ok(hourRatio > fast.factor * budget && sixHourRatio > slow.factor * budget, "either long window alone would still page");
    promtoolTest("outage-5m", {
      ...afterHealthy(HEALTHY_FOR_PAGE, [{ minutes: 5, burn: outage }, { minutes: 120, burn: 0 }]),
      alert_rule_test: [firing(page, end - 1), firing(page, end + slow.short - 2), silent(page, end + slow.short + 2), silent(page, end + 60)],
      // Each long window still above its factor when the page has stopped (1 = true).
      promql_expr_test: [fast, slow].map(({ long, factor }) => ({
        expr: `${SLO_RECORD.errorRatio(window(long))} > bool (${factor} * ${budget})`,
        eval_time: at(end + slow.short + 2),
        exp_samples: [{ labels: `{namespace="apps",app="items-api",slo="availability"}`, value: 1 }],
      })),
    });
  });
});
