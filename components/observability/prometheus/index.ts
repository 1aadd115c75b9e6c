// Prometheus: discovery of enrolled pods, the alert rules and the TSDB.
export { Prometheus } from "./prometheus";
export { SCRAPE_INTERVAL } from "./prometheusConfig";
export { PROMETHEUS_IMAGE } from "../../images";
export { THRESHOLDS, alertRules, type RuleFile } from "./alertRules";
export { BURN_RATE_ALERTS, SLO_RECORD, SLO_WINDOWS, errorBudget, sliQueries, sloGroupName, sloPanelQueries, sloRuleGroups } from "./sloRules";
