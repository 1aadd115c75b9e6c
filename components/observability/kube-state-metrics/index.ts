// kube-state-metrics: the state of pods, workloads and autoscalers, scraped by Prometheus.
export {
  KUBE_STATE_METRICS,
  KUBE_STATE_METRICS_PORTS,
  KubeStateMetrics,
  WATCHED_RESOURCES,
  kubeStateMetricsArgs,
  kubeStateMetricsFlows,
  kubeStateMetricsPods,
  kubeStateMetricsRules,
  kubeStateMetricsTarget,
} from "./kubeStateMetrics";
