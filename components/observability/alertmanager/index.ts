// Alertmanager: routes Prometheus's alerts to each stack's receivers.
export { ALERTMANAGER_IMAGE, Alertmanager, alertmanagerFlows, alertmanagerTargets } from "./alertmanager";
export { ALERTMANAGER_SECRETS_DIR, LAYER, alertmanagerConfigYaml } from "./alertmanagerConfig";
