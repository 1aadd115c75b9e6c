// Prometheus: discovery of enrolled pods, the alert rules and the TSDB.
export { PROMETHEUS_IMAGE, Prometheus, prometheusEgressFlows, prometheusIngressFlows } from "./prometheus";
export { THRESHOLDS, alertRules, alertRulesYaml, type RuleFile } from "./alertRules";
export { prometheusConfigYaml } from "./prometheusConfig";
