/**
 * The platform's SLO rules beside Sloth's (github.com/slok/sloth, built by toolchain/test-tools/install-sloth.sh) for the
 * same objective and the same SLI queries: the windows, the error-ratio expressions, the burn factors and the
 * budget must agree; where they differ on purpose, a test below names the difference (docs/slos.md says why).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import type { Objective } from "../../../components/objectives";
import { BURN_RATE_ALERTS, SLO_RECORD, SLO_WINDOWS, errorBudget, sliQueries, sloRuleGroups } from "../../../components/observability/prometheus";
import type { AlertRule, RecordingRule } from "../../../components/observability/prometheus/alertRules";
import { appWorkloads } from "../../../components/platformEndpoints";
import { parseConfig } from "../../../components/stackConfig";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import { loadStackFile } from "../../../scripts/lib/stackFile";

type Rule = RecordingRule & Partial<AlertRule>;

/** Whitespace collapsed, so a multi-line Sloth expression and a one-line one compare as PromQL text. */
const flat = (expr: string) => expr.replace(/\s+/g, " ").trim();

/** Each condition of a burn-rate alert: its burn factor, its two windows and the budget it multiplies. */
function conditionsOf(expr: string): { factor: number; windows: string[]; budget: number }[] {
  const byFactor = new Map<number, { factor: number; windows: string[]; budget: number }>();
  for (const match of expr.matchAll(/slo:sli_error:ratio_rate(\w+)\{[^}]*\} > \(([0-9.e-]+) \* ([0-9.e-]+)\)/g)) {
    const factor = Number(match[2]);
    const entry = byFactor.get(factor) ?? { factor, windows: [], budget: Number(match[3]) };
    entry.windows.push(match[1]);
    byFactor.set(factor, entry);
  }
  return [...byFactor.values()].map((entry) => ({ ...entry, windows: entry.windows.sort() })).sort((a, b) => b.factor - a.factor);
}

describe("service level objectives: the same objective in Sloth v0.16.0", function () {
  this.timeout(900_000);
  const config = parseConfig(loadStackFile("staging"), "staging");
  const [workload] = appWorkloads(config.services, config.namespaces.apps, config.objectives);
  let sloth: string;
  let dir: string;

  before(() => {
    // Idempotent: prints the cached binary's path at once, builds it first on a cold cache.
    sloth = execFileSync("bash", [path.join(PROJECT_ROOT, "toolchain/test-tools/install-sloth.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "slo-sloth-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Sloth's rules and ours for one objective over a period, from the same SLI queries. */
  function generate(base: Objective, periodDays: number): { sloth: Rule[]; ours: Rule[] } {
    const objective = { ...base, windowDays: periodDays };
    const sli = sliQueries(workload, objective);
    const spec = {
      version: "prometheus/v1",
      service: workload.name,
      slos: [
        {
          name: objective.kind,
          objective: objective.target,
          sli: { events: { error_query: sli.bad("{{.window}}"), total_query: sli.total("{{.window}}") } },
          alerting: { name: "ErrorBudgetBurn", page_alert: { labels: { severity: "critical" } }, ticket_alert: { labels: { severity: "warning" } } },
        },
      ],
    };
    const name = `${objective.kind}-${periodDays}d`;
    fs.writeFileSync(path.join(dir, `${name}.yaml`), stringify(spec));
    execFileSync(sloth, ["generate", "-i", `${name}.yaml`, "-o", `${name}.out.yaml`, "--default-slo-period", `${periodDays}d`], { cwd: dir, stdio: "pipe" });
    const documents = parseAllDocuments(fs.readFileSync(path.join(dir, `${name}.out.yaml`), "utf8")).map((document) => document.toJS());
    const generated = documents.find((document) => document?.groups) as { groups: { rules: Rule[] }[] };
    const ours = sloRuleGroups([{ ...workload, objectives: [objective] }], "https://runbooks.example.com")[0].rules as Rule[];
    return { sloth: generated.groups.flatMap((group) => group.rules), ours };
  }

  /** Our expression with the recorded 5-minute rates written out, as Sloth writes every window. */
  function expanded(rules: Rule[], expr: string): string {
    return rules.reduce((text, rule) => (rule.record && !rule.record.startsWith("slo:sli_error") ? text.replace(new RegExp(`${rule.record}\\{[^}]*\\}`, "g"), `(${rule.expr})`) : text), expr);
  }

  for (const kind of ["availability", "latency"] as const) {
    describe(`the ${kind} objective`, () => {
      const objective = () => workload.objectives.find((candidate) => candidate.kind === kind)!;

      it("records the error ratio over the same windows, with the same expression per window", () => {
        const { sloth, ours } = generate(objective(), 30);
        const windowsOf = (rules: Rule[]) => rules.flatMap((rule) => /^slo:sli_error:ratio_rate(\w+)$/.exec(rule.record ?? "")?.[1] ?? []);
        assert.deepEqual(windowsOf(sloth), [...SLO_WINDOWS, "30d"], "Sloth: the alert windows and the period");
        assert.deepEqual(windowsOf(ours), [...SLO_WINDOWS]);
        for (const window of SLO_WINDOWS) {
          const theirs = sloth.find((rule) => rule.record === SLO_RECORD.errorRatio(window))!;
          const mine = ours.find((rule) => rule.record === SLO_RECORD.errorRatio(window))!;
          assert.equal(flat(expanded(ours, mine.expr)), flat(theirs.expr), `window ${window}`);
        }
      });

      it("pages and tickets on the same windows and burn factors over a 30-day period, with the same budget and severities", () => {
        const { sloth, ours } = generate(objective(), 30);
        const alerts = (rules: Rule[]) => rules.filter((rule) => rule.alert !== undefined);
        const [slothPage, slothTicket] = alerts(sloth);
        const [ourPage, ourTicket] = alerts(ours);
        assert.deepEqual(conditionsOf(ourPage.expr), conditionsOf(slothPage.expr).map((condition) => ({ ...condition, budget: errorBudget(objective()) })));
        assert.deepEqual(conditionsOf(ourTicket.expr), conditionsOf(slothTicket.expr).map((condition) => ({ ...condition, budget: errorBudget(objective()) })));
        // Sloth's budget is 1 - target computed in binary floating point; ours is rounded to 12 digits.
        assert.ok(Math.abs(conditionsOf(slothPage.expr)[0].budget - errorBudget(objective())) < 1e-12);
        assert.deepEqual([ourPage.labels?.severity, ourTicket.labels?.severity], [slothPage.labels?.severity, slothTicket.labels?.severity]);
        assert.deepEqual([slothPage.labels?.sloth_severity, slothTicket.labels?.sloth_severity], ["page", "ticket"]);
        assert.deepEqual(
          conditionsOf(ourPage.expr).map(({ factor }) => factor),
          BURN_RATE_ALERTS[0].conditions.map(({ factor }) => factor),
        );
      });

      it("differs on purpose over a 28-day period: Sloth scales the burn factors by 28/30, ours keep the workbook's", () => {
        const { sloth, ours } = generate(objective(), 28);
        const alerts = (rules: Rule[]) => rules.filter((rule) => rule.alert !== undefined);
        for (const [index, alert] of BURN_RATE_ALERTS.entries()) {
          const theirs = conditionsOf(alerts(sloth)[index].expr);
          const mine = conditionsOf(alerts(ours)[index].expr);
          assert.deepEqual(
            mine.map(({ factor }) => factor),
            alert.conditions.map(({ factor }) => factor),
          );
          assert.deepEqual(
            theirs.map(({ windows }) => windows),
            mine.map(({ windows }) => windows),
          );
          // Sloth: budget share × period / long window (2% × 28d / 1h = 13.44); the workbook's 14.4 assumes 30 days.
          for (const [position, condition] of theirs.entries()) assert.ok(Math.abs(condition.factor - (mine[position].factor * 28) / 30) < 1e-9, `${alert.alert}: ${condition.factor}`);
        }
      });

      it("differs on purpose over the whole period: ours weights the ratio by traffic, Sloth averages the 5-minute ratios", () => {
        const { sloth, ours } = generate(objective(), 30);
        const theirs = sloth.find((rule) => rule.record === "slo:sli_error:ratio_rate30d")!;
        assert.match(flat(theirs.expr), /^sum_over_time\(slo:sli_error:ratio_rate5m\{[^}]*\}\[30d\]\) \/ ignoring \(sloth_window\) count_over_time\(slo:sli_error:ratio_rate5m\{[^}]*\}\[30d\]\)$/);
        const mine = ours.find((rule) => rule.record === SLO_RECORD.periodErrorRatio)!;
        assert.match(mine.expr, new RegExp(`^sum_over_time\\(${SLO_RECORD.badRate5m}\\{[^}]*\\}\\[30d\\]\\) / sum_over_time\\(${SLO_RECORD.totalRate5m}\\{[^}]*\\}\\[30d\\]\\)$`));
        // The budget left is the same arithmetic: 1 - (period error ratio / budget).
        assert.match(flat(sloth.find((rule) => rule.record === "slo:period_burn_rate:ratio")!.expr), /^slo:sli_error:ratio_rate30d\{[^}]*\} \/ on\(sloth_id, sloth_slo, sloth_service\) group_left slo:error_budget:ratio\{[^}]*\}$/);
        assert.match(flat(sloth.find((rule) => rule.record === "slo:period_error_budget_remaining:ratio")!.expr), /^1 - slo:period_burn_rate:ratio\{/);
        assert.equal(ours.find((rule) => rule.record === SLO_RECORD.budgetRemaining)!.expr, `1 - ${SLO_RECORD.periodErrorRatio}{namespace="apps",app="items-api",slo="${kind}"} / ${errorBudget(objective())}`);
      });
    });
  }
});
