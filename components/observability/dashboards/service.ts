import { QueryVariableBuilder, VariableRefresh, VariableSort } from "@grafana/grafana-foundation-sdk/dashboard";
import type { DashboardModel } from "../grafana/datasources";
import { PODS_JOB } from "../prometheus/prometheusConfig";
import { selector } from "../prometheus/promql";
import { buildDashboard, DATASOURCES, exploreLink, type PanelSpec, type RowSpec } from "./panels";

export const SERVICE_DASHBOARD_UID = "blueprint-service";

/**
 * The dashboard variables and the scrape labels they select on. Prometheus's pod discovery labels every
 * enrolled pod's series with `namespace`, `pod` and `app` (the pod's app.kubernetes.io/name), so a service
 * from any project appears in the lists as soon as it is scraped: the lists are label_values over `up`.
 */
export const SERVICE_VARIABLES = { namespace: "namespace", service: "service", pod: "pod" } as const;
const SCRAPE_LABEL = { namespace: "namespace", service: "app", pod: "pod" } as const;

/**
 * The metric contract of a service's RED panels (docs/dashboards.md): the names the Items API exposes
 * (app/src/metrics) and a service from another image must expose for those panels to show data.
 */
export const SERVICE_METRICS = {
  requests: "http_requests_total",
  shed: "http_requests_shed_total",
  duration: "http_request_duration_seconds",
  vaultLogins: "vault_logins_total",
  logLinesDropped: "log_lines_dropped_total",
  eventLoopLagP50: "nodejs_eventloop_lag_p50_seconds",
  eventLoopLagP99: "nodejs_eventloop_lag_p99_seconds",
  processStart: "process_start_time_seconds",
} as const;

const ref = (variable: keyof typeof SERVICE_VARIABLES) => `$${SERVICE_VARIABLES[variable]}`;

/** The series of the selected service's pods, as scraped from the service itself. */
function serviceSelector(extra: Record<string, string> = {}): string {
  return selector(
    { job: PODS_JOB, [SCRAPE_LABEL.namespace]: ref("namespace"), [SCRAPE_LABEL.service]: ref("service") },
    { [SCRAPE_LABEL.pod]: ref("pod"), ...extra },
  );
}

/**
 * The selected pods' series from kubelet's cAdvisor and kube-state-metrics, which carry the pod's own
 * `namespace` and `pod` (not `app`); `pod=~$pod` keeps them to the service, as $pod lists only its pods.
 */
function podSelector(equal: Record<string, string> = {}): string {
  return selector({ namespace: ref("namespace"), ...equal }, { pod: ref("pod") });
}

/** Real containers only: cAdvisor also reports the pod's sandbox (`POD`) and the pod as a whole (no container). */
const CONTAINERS = `{namespace="${ref("namespace")}",pod=~"${ref("pod")}",container!="",container!="POD"}`;

const rate = (series: string) => `rate(${series}[$__rate_interval])`;

function variables(): QueryVariableBuilder[] {
  const values = (label: string, matchers: Record<string, string>) => `label_values(up${selector({ job: PODS_JOB }, matchers)}, ${label})`;
  const variable = (name: string, label: string, query: string) =>
    new QueryVariableBuilder(name).label(label).datasource(DATASOURCES.prometheus).query(query).definition(query).refresh(VariableRefresh.OnTimeRangeChanged).sort(VariableSort.AlphabeticalAsc);
  return [
    variable(SERVICE_VARIABLES.namespace, "Namespace", values(SCRAPE_LABEL.namespace, {})),
    variable(SERVICE_VARIABLES.service, "Service", values(SCRAPE_LABEL.service, { [SCRAPE_LABEL.namespace]: ref("namespace") })),
    // All pods by default; without a custom "all" value Grafana sends the listed pods as (a|b), so `pod=~` on
    // cAdvisor's and kube-state-metrics' series stays within the service.
    variable(SERVICE_VARIABLES.pod, "Pod", values(SCRAPE_LABEL.pod, { [SCRAPE_LABEL.namespace]: ref("namespace"), [SCRAPE_LABEL.service]: ref("service") }))
      .multi(true)
      .includeAll(true),
  ];
}

const tracesLink = () => exploreLink("Traces in Jaeger", "jaeger", { queryType: "search", service: "${service}" });
const logsLink = () =>
  exploreLink("Logs in Elasticsearch", "elasticsearch", {
    query: 'kubernetes.pod_namespace:"${namespace}" AND kubernetes.pod_labels.app\\.kubernetes\\.io/name:"${service}"',
    metrics: [{ id: "1", type: "logs" }],
    bucketAggs: [],
  });

function trafficRow(links: ReturnType<typeof tracesLink>[]): RowSpec {
  const { requests, duration } = SERVICE_METRICS;
  const quantile = (q: number) => ({
    expr: `histogram_quantile(${q}, sum by (route, le) (${rate(`${duration}_bucket${serviceSelector()}`)}))`,
    legend: `p${Math.round(q * 100)} {{route}}`,
  });
  const ratio = (statusRegex: string) =>
    `(sum(${rate(`${requests}${serviceSelector({ status_code: statusRegex })}`)}) or vector(0)) / sum(${rate(`${requests}${serviceSelector()}`)})`;
  const panels: PanelSpec[] = [
    {
      title: "Request rate by status",
      description: `API requests per second (${requests}), probes and /metrics excluded.`,
      unit: "reqps",
      queries: [{ expr: `sum by (status_code) (${rate(`${requests}${serviceSelector()}`)})`, legend: "{{status_code}}" }],
      links,
    },
    {
      title: "Error ratio",
      description: "Share of requests answered 5xx (server errors, the availability objective's bad events) and 4xx (client errors).",
      unit: "percentunit",
      queries: [
        { expr: ratio("5.."), legend: "5xx" },
        { expr: ratio("4.."), legend: "4xx" },
      ],
      links,
    },
    {
      title: "Latency p50 / p95 / p99 by route",
      description: `Quantiles of ${duration} by route template.`,
      unit: "s",
      width: 24,
      queries: [quantile(0.5), quantile(0.95), quantile(0.99)],
      links,
    },
    {
      title: "Shed requests by overload",
      description: `Requests answered 503 with Retry-After because the process was overloaded (${SERVICE_METRICS.shed}), by the threshold crossed: event-loop delay or utilization, heap, RSS. Other 503s (writes refused while credentials are not loaded) are in the request rate by status.`,
      unit: "reqps",
      queries: [{ expr: `sum by (pressure_type) (${rate(`${SERVICE_METRICS.shed}${serviceSelector()}`)})`, legend: "{{pressure_type}}" }],
    },
  ];
  return { title: "Traffic (needs the documented request metrics)", panels };
}

function resourcesRow(): RowSpec {
  const limit = (resource: string) => ({ expr: `sum by (pod) (kube_pod_container_resource_limits${podSelector({ resource })})`, legend: "limit {{pod}}" });
  const panels: PanelSpec[] = [
    {
      title: "CPU against the limit",
      description: "CPU cores used per pod (cAdvisor) and the pod's CPU limit (kube-state-metrics).",
      queries: [{ expr: `sum by (pod) (${rate(`container_cpu_usage_seconds_total${CONTAINERS}`)})`, legend: "used {{pod}}" }, limit("cpu")],
    },
    {
      title: "Memory against the limit",
      description: "Working set per pod (cAdvisor; what the OOM killer compares) and the pod's memory limit (kube-state-metrics).",
      unit: "bytes",
      queries: [{ expr: `sum by (pod) (container_memory_working_set_bytes${CONTAINERS})`, legend: "used {{pod}}" }, limit("memory")],
    },
    {
      title: "Replicas against the autoscaler's bounds",
      description: "The HorizontalPodAutoscaler (named as the service): current and desired replicas, its minimum and maximum.",
      queries: (["status_current_replicas", "status_desired_replicas", "spec_min_replicas", "spec_max_replicas"] as const).map((metric) => ({
        expr: `max(kube_horizontalpodautoscaler_${metric}${selector({ namespace: ref("namespace"), horizontalpodautoscaler: ref("service") })})`,
        legend: metric.replace(/^(status|spec)_/, "").replace("_replicas", ""),
      })),
    },
    {
      title: "Restarts in the time range",
      description: "Container restarts per pod (kube-state-metrics), and process starts seen by the service's own process_start_time_seconds.",
      kind: "stat",
      queries: [
        { expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total${podSelector()}[$__range]))`, legend: "restarts {{pod}}" },
        { expr: `sum by (pod) (changes(${SERVICE_METRICS.processStart}${serviceSelector()}[$__range]))`, legend: "process starts {{pod}}" },
      ],
    },
    {
      title: "Scrape health per pod",
      description: "1 when Prometheus's last scrape of the pod's /metrics succeeded.",
      queries: [{ expr: `up${serviceSelector()}`, legend: "{{pod}}" }],
    },
    {
      title: "Event-loop delay",
      description: "Node.js event-loop delay (prom-client's default metrics); sustained delay is what load shedding reacts to.",
      unit: "s",
      queries: [
        { expr: `max by (pod) (${SERVICE_METRICS.eventLoopLagP50}${serviceSelector()})`, legend: "p50 {{pod}}" },
        { expr: `max by (pod) (${SERVICE_METRICS.eventLoopLagP99}${serviceSelector()})`, legend: "p99 {{pod}}" },
      ],
    },
  ];
  return { title: "Resources (any image)", panels };
}

function dependenciesRow(): RowSpec {
  const panels: PanelSpec[] = [
    {
      title: "Vault logins by result",
      description: "Vault login attempts in the time range by result: failures with no success mean the service runs without its credentials.",
      kind: "stat",
      queries: [{ expr: `sum by (result) (increase(${SERVICE_METRICS.vaultLogins}${serviceSelector()}[$__range]))`, legend: "{{result}}" }],
    },
    {
      title: "Log lines dropped",
      description: "Log lines the service dropped because its stdout was not read fast enough: these lines are in no log store.",
      queries: [{ expr: `sum by (pod) (increase(${SERVICE_METRICS.logLinesDropped}${serviceSelector()}[$__rate_interval]))`, legend: "{{pod}}" }],
    },
  ];
  return { title: "Dependencies and logs", panels };
}

/** One dashboard for every enrolled service; links to its traces, and to its logs where the stack ships them. */
export function serviceDashboard(options: { logs: boolean }): DashboardModel {
  const links = [tracesLink(), ...(options.logs ? [logsLink()] : [])];
  return buildDashboard({
    uid: SERVICE_DASHBOARD_UID,
    title: "Service",
    description: "RED metrics, resources against limits, autoscaling, restarts and dependencies of one enrolled service.",
    tags: ["blueprint", "service"],
    variables: variables(),
    links,
    rows: [trafficRow([tracesLink()]), resourcesRow(), dependenciesRow()],
  });
}
