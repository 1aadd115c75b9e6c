import { stringify } from "yaml";

/** Where the receivers' credentials are mounted: one file per key of the receivers' Secret. */
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";
export const ALERTMANAGER_CONFIG_DIR = "/etc/alertmanager/config";
export const ALERTMANAGER_CONFIG_FILE = "alertmanager.yml";

/** The two routes: what pages someone now, and what waits for working hours. */
const SEVERITIES = ["critical", "warning"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * A receiver as a stack configures it. Every credential is a key of a Kubernetes Secret that Alertmanager
 * reads as a file (`*_file` settings), so no URL with a token and no routing key is in the config or in
 * Pulumi state.
 */
export type ReceiverConfig =
  | { kind: "pagerduty"; secretKey: string }
  | { kind: "slack"; channel: string; secretKey: string }
  | { kind: "webhook"; url: string; secretKey?: string };

/** The `layer` label every alert rule carries: a platform failure inhibits the service alerts it causes. */
export const LAYER = { platform: "platform", service: "service" } as const;

// The subset of alertmanager.yml this blueprint writes; a misspelt key is a type error.
export interface AlertmanagerRoute {
  receiver: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: AlertmanagerRoute[];
}
export interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}
export interface AlertmanagerConfigFile {
  global: { resolve_timeout: string };
  route: AlertmanagerRoute;
  inhibit_rules: InhibitRule[];
  receivers: ({ name: string } & Record<string, unknown>)[];
}

const secretFile = (key: string) => `${ALERTMANAGER_SECRETS_DIR}/${key}`;

function receiver(name: Severity, config: ReceiverConfig): { name: string } & Record<string, unknown> {
  switch (config.kind) {
    case "pagerduty":
      return { name, pagerduty_configs: [{ routing_key_file: secretFile(config.secretKey), send_resolved: true }] };
    case "slack":
      return { name, slack_configs: [{ api_url_file: secretFile(config.secretKey), channel: config.channel, send_resolved: true }] };
    case "webhook":
      return {
        name,
        webhook_configs: [
          {
            url: config.url,
            send_resolved: true,
            ...(config.secretKey ? { http_config: { authorization: { type: "Bearer", credentials_file: secretFile(config.secretKey) } } } : {}),
          },
        ],
      };
  }
}

/**
 * Routing by severity to the stack's two receivers, grouped per service so one bad deploy is one
 * notification. Two inhibitions: a firing platform alert (Prometheus has lost its targets, say) silences
 * the service alerts of the same environment, which would otherwise page once per service for one cause;
 * and a critical alert silences the warnings of the same service.
 */
function alertmanagerConfig(receivers: Record<Severity, ReceiverConfig>): AlertmanagerConfigFile {
  return {
    global: { resolve_timeout: "5m" },
    route: {
      receiver: "warning",
      group_by: ["alertname", "namespace", "app"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        { matchers: ['severity="critical"'], receiver: "critical", repeat_interval: "1h" },
        { matchers: ['severity="warning"'], receiver: "warning" },
      ],
    },
    inhibit_rules: [
      { source_matchers: [`layer="${LAYER.platform}"`, 'severity="critical"'], target_matchers: [`layer="${LAYER.service}"`], equal: ["environment"] },
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["environment", "namespace", "app"] },
    ],
    receivers: SEVERITIES.map((severity) => receiver(severity, receivers[severity])),
  };
}

export function alertmanagerConfigYaml(receivers: Record<Severity, ReceiverConfig>): string {
  return stringify(alertmanagerConfig(receivers), { lineWidth: 0 });
}
