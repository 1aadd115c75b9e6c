// Prometheus: discovery of enrolled pods, the alert rules and the TSDB.
export { PROMETHEUS_IMAGE, Prometheus } from "./prometheus";
export { THRESHOLDS, alertRules, type RuleFile } from "./alertRules";
export { BURN_RATE_ALERTS, SLO_RECORD, SLO_WINDOWS, errorBudget, sliQueries, sloGroupName, sloPanelQueries, sloRuleGroups } from "./sloRules";
