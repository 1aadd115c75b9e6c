// Alertmanager: routes Prometheus's alerts to each stack's receivers.
export { Alertmanager, alertmanagerTargets } from "./alertmanager";
export { ALERTMANAGER_SECRETS_DIR, LAYER } from "./alertmanagerConfig";
