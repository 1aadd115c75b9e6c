import type { Objective, ObjectiveKind } from "../../objectives";
import type { AppWorkload } from "../../platformEndpoints";
import { LAYER } from "../alertmanager";
import type { AlertRule, RecordingRule, RuleGroup } from "./alertRules";
import { PODS_JOB } from "./prometheusConfig";
import { selector, type Labels } from "./promql";

/**
 * Service level objectives as Prometheus rules, after the Google SRE workbook's "Alerting on SLOs"
 * (multiwindow, multi-burn-rate alerts). Per service and objective:
 * - the error ratio over every window an alert reads, recorded once, so an alert is a comparison of stored
 *   series however many services and routes there are;
 * - the error ratio over the objective's whole window and the error budget left, for dashboards and people;
 * - a page (severity critical) and a ticket (severity warning), each firing when the budget burns faster than
 *   its factor over a long window and, to confirm the burn is still going on, over a short one.
 *
 * How these rules differ from Sloth's for the same objective, and why, is in docs/slos.md; test/unit/observability/slo-sloth.test.ts
 * generates Sloth's rules and compares.
 */

/** Recorded series; each carries the service's `namespace` and `app` and the objective as `slo`. */
export const SLO_RECORD = {
  /** The error ratio (bad events / all events) over a window, `5m` … `3d`: Sloth's name for the same thing. */
  errorRatio: (window: string) => `slo:sli_error:ratio_rate${window}`,
  /** Bad and all events per second over 5 minutes, kept so the ratio over the objective's window is cheap. */
  badRate5m: "slo:sli_events_bad:rate5m",
  totalRate5m: "slo:sli_events_total:rate5m",
  /** The error ratio over the objective's whole window (label `period`, such as 28d). */
  periodErrorRatio: "slo:sli_error:ratio_period",
  /** The objective as a ratio (0.999), so a dashboard computes burn rates without knowing the config. */
  objective: "slo:objective:ratio",
  /** The share of the window's error budget not yet spent: 1 at the start, 0 spent, below 0 overspent. */
  budgetRemaining: "slo:error_budget_remaining:ratio",
} as const;

/** Every window an alert reads, shortest first. */
export const SLO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/**
 * The workbook's recommended burn rates. A burn rate is how fast the budget is spent relative to spending it
 * evenly over the window: at 14.4× for 1 hour, 2% of a 30-day budget is gone; at 6× for 6 hours, 5%; at 3× for
 * a day, 10%; at 1× for 3 days, 10%. The short window (a twelfth of the long one) must agree, so an alert stops
 * soon after the burn stops instead of for as long as the long window remembers it.
 */
export const BURN_RATE_ALERTS = [
  {
    alert: "ErrorBudgetBurnPage",
    severity: "critical",
    conditions: [
      { long: "1h", short: "5m", factor: 14.4 },
      { long: "6h", short: "30m", factor: 6 },
    ],
  },
  {
    alert: "ErrorBudgetBurnTicket",
    severity: "warning",
    conditions: [
      { long: "1d", short: "2h", factor: 3 },
      { long: "3d", short: "6h", factor: 1 },
    ],
  },
] as const satisfies readonly { alert: string; severity: AlertRule["labels"]["severity"]; conditions: readonly { long: SloWindow; short: SloWindow; factor: number }[] }[];

export const SLO_RUNBOOK = "slo-error-budget-burn.md";

/** The rule group of one service's objectives (a group's rules are evaluated in order: records before alerts). */
export function sloGroupName(app: Pick<AppWorkload, "namespace" | "name">): string {
  return `slo-${app.namespace}-${app.name}`;
}

/** The budget as a ratio (99.9 → 0.001), rounded so binary floating point does not leak into the rules. */
export function errorBudget(objective: Pick<Objective, "target">): number {
  return Number(((100 - objective.target) / 100).toPrecision(12));
}

/**
 * The `le` of a bucket bound, as an equality or a regex matcher. Prometheus 3 writes a classic histogram's
 * integer bounds as floats (`1.0`) where Prometheus 2 keeps what the service exposed (`1`): an integer bound
 * matches both.
 */
function bucketMatcher(seconds: number): { equal: Labels; regexMatch: Labels } {
  return Number.isInteger(seconds) ? { equal: {}, regexMatch: { le: `${seconds}|${seconds}[.]0` } } : { equal: { le: String(seconds) }, regexMatch: {} };
}

/** The bad and all events per second of one objective over a window, summed over the service's pods and routes. */
export function sliQueries(app: Pick<AppWorkload, "namespace" | "name">, objective: Objective): { bad(window: string): string; total(window: string): string } {
  const service = { job: PODS_JOB, namespace: app.namespace, app: app.name };
  const sum = (metric: string, window: string, match: { equal?: Labels; regexMatch?: Labels } = {}) =>
    `sum by (namespace, app) (rate(${metric}${selector({ ...service, ...match.equal }, match.regexMatch)}[${window}]))`;
  if (objective.kind === "availability") {
    // Shed requests are answered 503, so "not a server error" also means "not shed". A service that never
    // answered 5xx has no such series at all; `or` 0 × all makes its ratio 0 and its budget whole, not "no data".
    return {
      bad: (window) => `(${sum("http_requests_total", window, { regexMatch: { status_code: "5.." } })} or 0 * ${sum("http_requests_total", window)})`,
      total: (window) => sum("http_requests_total", window),
    };
  }
  const threshold = objective.thresholdSeconds;
  if (threshold === undefined) throw new Error(`the latency objective of ${app.name} has no threshold`);
  return {
    bad: (window) => `${sum("http_request_duration_seconds_count", window)} - ${sum("http_request_duration_seconds_bucket", window, bucketMatcher(threshold))}`,
    total: (window) => sum("http_request_duration_seconds_count", window),
  };
}

/** The labels every series and alert of one objective carries: the service's and the objective's. */
function objectiveLabels(app: Pick<AppWorkload, "namespace" | "name">, kind: ObjectiveKind): Labels {
  return { namespace: app.namespace, app: app.name, slo: kind };
}

/** What a dashboard shows of one objective (the service dashboard's SLO panels read these; docs/slos.md). */
export function sloPanelQueries(app: Pick<AppWorkload, "namespace" | "name">, objective: Objective): { budgetRemaining: string; burnRate: Record<SloWindow, string> } {
  const of = selector(objectiveLabels(app, objective.kind));
  return {
    budgetRemaining: `${SLO_RECORD.budgetRemaining}${of}`,
    burnRate: Object.fromEntries(SLO_WINDOWS.map((window) => [window, `${SLO_RECORD.errorRatio(window)}${of} / ${errorBudget(objective)}`])) as Record<SloWindow, string>,
  };
}

function describeObjective(objective: Objective): string {
  const what = objective.kind === "availability" ? "of requests without a server error" : `of requests faster than ${objective.thresholdSeconds} s`;
  return `${objective.target}% ${what} over ${objective.windowDays}d`;
}

function objectiveRules(app: AppWorkload, objective: Objective, runbookBase: string): (RecordingRule | AlertRule)[] {
  const labels = objectiveLabels(app, objective.kind);
  const of = selector(labels);
  const sli = sliQueries(app, objective);
  const budget = errorBudget(objective);
  const period = `${objective.windowDays}d`;
  // The service's labels on every record, though its expression already yields them: two services' records then
  // differ as rules too, which `promtool check rules` demands of rules with the same name.
  const record = (name: string, expr: string, extra: Labels = {}): RecordingRule => ({ record: name, expr, labels: { ...labels, ...extra } });
  const records: RecordingRule[] = [
    record(SLO_RECORD.badRate5m, sli.bad("5m")),
    record(SLO_RECORD.totalRate5m, sli.total("5m")),
    record(SLO_RECORD.errorRatio("5m"), `${SLO_RECORD.badRate5m}${of} / ${SLO_RECORD.totalRate5m}${of}`),
    ...SLO_WINDOWS.filter((window) => window !== "5m").map((window) => record(SLO_RECORD.errorRatio(window), `(${sli.bad(window)}) / (${sli.total(window)})`)),
    // Weighted by traffic: the recorded 5-minute rates summed over the window, bad over all.
    record(SLO_RECORD.periodErrorRatio, `sum_over_time(${SLO_RECORD.badRate5m}${of}[${period}]) / sum_over_time(${SLO_RECORD.totalRate5m}${of}[${period}])`, { period }),
    record(SLO_RECORD.objective, `vector(${Number((objective.target / 100).toPrecision(12))})`),
    record(SLO_RECORD.budgetRemaining, `1 - ${SLO_RECORD.periodErrorRatio}${of} / ${budget}`, { period }),
  ];
  const where = `${app.name} in ${app.namespace}`;
  const alerts = BURN_RATE_ALERTS.map(({ alert, severity, conditions }): AlertRule => {
    const burns = conditions.map(({ long, short, factor }) => `(${SLO_RECORD.errorRatio(long)}${of} > (${factor} * ${budget}) and ${SLO_RECORD.errorRatio(short)}${of} > (${factor} * ${budget}))`);
    const windows = conditions.map(({ long, short, factor }) => `${factor}× over ${long} (confirmed over ${short})`).join(" or ");
    return {
      alert,
      expr: burns.join(" or "),
      // No waiting period: the long window already demands a sustained burn, the short one that it goes on.
      for: "0m",
      labels: { severity, layer: LAYER.service, ...labels },
      annotations: {
        summary: `${where}: the ${objective.kind} objective (${describeObjective(objective)}) is burning its error budget too fast`,
        description: `The error ratio over the long window is {{ $value | humanizePercentage }} against a budget of ${Number((budget * 100).toPrecision(12))}%: a burn of ${windows}.`,
        runbook_url: `${runbookBase}/${SLO_RUNBOOK}`,
      },
    };
  });
  return [...records, ...alerts];
}

/** One rule group per service that has objectives. */
export function sloRuleGroups(apps: AppWorkload[], runbookBase: string): RuleGroup[] {
  return apps
    .filter((app) => app.objectives.length > 0)
    .map((app) => ({ name: sloGroupName(app), rules: app.objectives.flatMap((objective) => objectiveRules(app, objective, runbookBase)) }));
}
