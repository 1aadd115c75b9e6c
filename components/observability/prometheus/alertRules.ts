import { stringify } from "yaml";
import type { ObjectiveKind } from "../../objectives";
import type { AppWorkload } from "../../platformEndpoints";
import { LAYER } from "../alertmanager";
import { PODS_JOB } from "./prometheusConfig";
import { selector, type Labels } from "./promql";
import { sloRuleGroups } from "./sloRules";

// The shape of a Prometheus rule file, as far as this blueprint uses it.
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  /** layer: a platform alert inhibits the service alerts it causes (alertmanager/alertmanagerConfig.ts). */
  labels: { severity: "warning" | "critical"; layer: (typeof LAYER)[keyof typeof LAYER]; namespace?: string; app?: string };
  annotations: { summary: string; description: string; runbook_url: string };
}
/** A recording rule: an expression evaluated with the alerts and stored as a series of its own. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: (AlertRule | RecordingRule)[];
}
export interface RuleFile {
  groups: RuleGroup[];
}

/** The alert thresholds, in one place so the rules and docs/runbooks agree. */
export const THRESHOLDS = {
  latencyP99Seconds: 1,
  errorRatio: 0.01,
  errorFor: "10m",
  restartsIn5m: 2,
  cpuOfLimit: 0.85,
  memoryOfLimit: 0.9,
  // A backlog the aggregator clears in well under a minute at normal volume; above it for 10m, it is not keeping up.
  consumerLagMessages: 10_000,
};

const RUNBOOKS = {
  discoveryLost: "platform-discovery-lost.md",
  serviceDown: "service-down.md",
  highErrorRate: "high-error-rate.md",
  highLatency: "high-latency.md",
  highCpu: "high-cpu.md",
  highMemory: "high-memory.md",
  podRestarts: "pod-restarts.md",
  logPipelineStalled: "log-pipeline-stalled.md",
  logLinesDropped: "log-lines-dropped.md",
} as const;

/** The threshold alert each kind of objective replaces with its burn-rate alerts (sloRules.ts). */
const REPLACED_BY_OBJECTIVE: Record<ObjectiveKind, string> = { availability: "HighErrorRate", latency: "HighLatencyP99" };

function serviceLabels(app: AppWorkload): Labels {
  return { job: PODS_JOB, namespace: app.namespace, app: app.name };
}

type RuleSpec = Omit<AlertRule, "annotations" | "labels"> & { severity: AlertRule["labels"]["severity"]; summary: string; description: string; runbook: string };

/** runbookBase is absolute (config checks it), so every link opens from a pager, not only from a checkout. */
function ruleIn(layer: AlertRule["labels"]["layer"], extraLabels: Labels = {}) {
  return (runbookBase: string, alert: RuleSpec): AlertRule => {
    const { summary, description, runbook, severity, ...rest } = alert;
    return { ...rest, labels: { severity, layer, ...extraLabels }, annotations: { summary, description, runbook_url: `${runbookBase}/${runbook}` } };
  };
}

/**
 * The alerts of one service; CPU and memory are measured against that service's own limits. Where the service
 * has an availability objective its burn-rate alerts replace HighErrorRate, and a latency objective's replace
 * HighLatencyP99 (sloRules.ts): two alerts on one symptom would page twice.
 */
function serviceRules(app: AppWorkload, runbookBase: string): AlertRule[] {
  const labels = serviceLabels(app);
  const of = selector(labels);
  const requests = (regexMatch: Labels = {}) => `sum by (namespace, app) (rate(http_requests_total${selector(labels, regexMatch)}[5m]))`;
  const where = `${app.name} in ${app.namespace}`;
  // namespace and app as rule labels too: ServiceDown's expression has none, and routing groups on them.
  const rule = ruleIn(LAYER.service, { namespace: app.namespace, app: app.name });
  return [
    rule(runbookBase, {
      alert: "ServiceDown",
      // `or vector(0)` makes a service with no scraped pod at all count as down, not as silent.
      expr: `(sum(up${of}) or vector(0)) == 0`,
      for: "2m",
      severity: "critical",
      summary: `${where}: no pod answers /metrics`,
      description: `No target of ${where} has been up for 2 minutes.`,
      runbook: RUNBOOKS.serviceDown,
    }),
    rule(runbookBase, {
      alert: "HighErrorRate",
      expr: `${requests({ status_code: "5.." })} / ${requests()} > ${THRESHOLDS.errorRatio}`,
      for: THRESHOLDS.errorFor,
      severity: "critical",
      summary: `${where}: more than 1% of requests fail with 5xx`,
      description: "{{ $value | humanizePercentage }} of requests returned 5xx over the last 10 minutes.",
      runbook: RUNBOOKS.highErrorRate,
    }),
    rule(runbookBase, {
      alert: "HighLatencyP99",
      expr: `histogram_quantile(0.99, sum by (namespace, app, le) (rate(http_request_duration_seconds_bucket${of}[5m]))) > ${THRESHOLDS.latencyP99Seconds}`,
      for: "5m",
      severity: "warning",
      summary: `${where}: p99 latency above 1s`,
      description: "p99 request latency is {{ $value | humanizeDuration }}.",
      runbook: RUNBOOKS.highLatency,
    }),
    rule(runbookBase, {
      alert: "PodRestarting",
      // The app's process_start_time_seconds changes on every container start; no kube-state-metrics needed.
      expr: `changes(process_start_time_seconds${of}[5m]) > ${THRESHOLDS.restartsIn5m}`,
      for: "0m",
      severity: "warning",
      summary: `${where}: a pod restarted more than 2 times in 5 minutes`,
      description: "Pod {{ $labels.pod }} started {{ $value }} times in 5 minutes.",
      runbook: RUNBOOKS.podRestarts,
    }),
    rule(runbookBase, {
      alert: "HighCpu",
      expr: `sum by (namespace, app, pod) (rate(process_cpu_seconds_total${of}[5m])) / ${app.limits.cpuCores} > ${THRESHOLDS.cpuOfLimit}`,
      for: "10m",
      severity: "warning",
      summary: `${where}: CPU above 85% of the limit`,
      description: "Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit.",
      runbook: RUNBOOKS.highCpu,
    }),
    rule(runbookBase, {
      alert: "HighMemory",
      expr: `max by (namespace, app, pod) (process_resident_memory_bytes${of}) / ${app.limits.memoryBytes} > ${THRESHOLDS.memoryOfLimit}`,
      for: "5m",
      severity: "warning",
      summary: `${where}: memory above 90% of the limit`,
      description: "Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit.",
      runbook: RUNBOOKS.highMemory,
    }),
    rule(runbookBase, {
      alert: "LogLinesDropped",
      // The service drops log lines only when its stdout is not read and its bounded queue is full: lines are
      // already lost, so there is no waiting period.
      expr: `sum by (namespace, app, pod) (increase(log_lines_dropped_total${of}[10m])) > 0`,
      for: "0m",
      severity: "warning",
      summary: `${where}: log lines dropped because stdout was not read`,
      description: "Pod {{ $labels.pod }} dropped {{ $value }} log lines in 10 minutes: its stdout was not read fast enough.",
      runbook: RUNBOOKS.logLinesDropped,
    }),
  ].filter((rule) => !app.objectives.some((objective) => REPLACED_BY_OBJECTIVE[objective.kind] === rule.alert));
}

/** Vector reports its own errors and the aggregator's Kafka lag through its prometheus_exporter sink. */
function logPipelineRules(runbookBase: string): AlertRule[] {
  const job = selector({ job: PODS_JOB });
  const rule = ruleIn(LAYER.platform);
  return [
    rule(runbookBase, {
      alert: "LogPipelineErrors",
      expr: `sum by (namespace, app, component_id) (rate(vector_component_errors_total${job}[5m])) > 0`,
      for: "10m",
      severity: "critical",
      summary: "Vector component {{ $labels.component_id }} in {{ $labels.namespace }} keeps failing",
      description: "{{ $labels.app }} reports {{ $value }} errors/s in {{ $labels.component_id }} for 10 minutes: logs are not reaching Elasticsearch.",
      runbook: RUNBOOKS.logPipelineStalled,
    }),
    rule(runbookBase, {
      alert: "LogPipelineConsumerLag",
      expr: `sum by (namespace, app) (vector_kafka_consumer_lag${job}) > ${THRESHOLDS.consumerLagMessages}`,
      for: "10m",
      severity: "critical",
      summary: "The log aggregator is falling behind Kafka",
      description: "Consumer group vector-aggregator is {{ $value }} messages behind for 10 minutes.",
      runbook: RUNBOOKS.logPipelineStalled,
    }),
  ];
}

/**
 * When Prometheus discovers no enrolled pod at all, every ServiceDown would fire at once for one cause (the
 * API server unreachable, discovery's RBAC or NetworkPolicy broken). This alert names that cause, and its
 * `layer: platform` inhibits the service alerts in Alertmanager, so the on-call gets one page, not one per service.
 */
function platformRules(runbookBase: string): AlertRule[] {
  const rule = ruleIn(LAYER.platform);
  return [
    rule(runbookBase, {
      alert: "ScrapeDiscoveryLost",
      expr: `absent(up${selector({ job: PODS_JOB })}) or sum(up${selector({ job: PODS_JOB })}) == 0`,
      for: "5m",
      severity: "critical",
      summary: "Prometheus scrapes no enrolled pod at all",
      description: "No target of job kubernetes-pods has been up for 5 minutes: discovery or the network path to every pod is broken, not each service.",
      runbook: RUNBOOKS.discoveryLost,
    }),
  ];
}

export function alertRules(apps: AppWorkload[], runbookBase: string): RuleFile {
  return {
    groups: [
      ...apps.map((app) => ({ name: `service-${app.namespace}-${app.name}`, rules: serviceRules(app, runbookBase) })),
      ...sloRuleGroups(apps, runbookBase),
      { name: "log-pipeline", rules: logPipelineRules(runbookBase) },
      { name: "platform", rules: platformRules(runbookBase) },
    ],
  };
}

export function alertRulesYaml(apps: AppWorkload[], runbookBase: string): string {
  return stringify(alertRules(apps, runbookBase), { lineWidth: 0 });
}
