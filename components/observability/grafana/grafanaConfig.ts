import type * as k8s from "@pulumi/kubernetes";
import type { Input } from "@pulumi/pulumi";
import { stringify } from "yaml";
import { GRAFANA_IMAGE } from "../../images";
import { assertConfigMapFits } from "../../k8s/controllers";
import type { LintExemption } from "../../k8s/lintExemptions";
import { type Mount, type ScratchDir, configMapMount, mountOf, secretMount } from "../../k8s/mounts";
import type { RunAs, SecureContainerArgs } from "../../k8s/podSpec";
import { PROBE_TIMINGS, httpProbe, tcpProbe } from "../../k8s/probes";
import { type PlatformEndpoints, clusterHost } from "../../platformEndpoints";
import type { ObservabilityConfig } from "../configSchema";
import { CERT_FILES, CERT_SECRETS, GRAFANA_READER, GRAFANA_READER_CREDENTIALS, INDEX_FAMILIES, LOG_FIELDS, indexPattern } from "../elasticsearch";
import { SCRAPE_INTERVAL } from "../prometheus/prometheusConfig";
import { DATASOURCE_UIDS, type DashboardModel } from "./datasources";

type GrafanaSizing = ObservabilityConfig["grafana"];

// The image's own user is 472; the files it runs from are world-readable, and everything it writes is an
// emptyDir here, so it runs as the platform's default non-system user, with fsGroup so it reads its Secrets (0440).
export const GRAFANA_RUN_AS: RunAs = { uid: 10001, gid: 10001, fsGroup: 10001 };

const CONFIG_DIR = "/etc/grafana";
export const GRAFANA_PATHS = {
  config: `${CONFIG_DIR}/grafana.ini`,
  provisioning: `${CONFIG_DIR}/provisioning`,
  // Each dashboard's ConfigMap is mounted in a directory of its own below this one; the file provider reads them all.
  dashboards: "/var/lib/grafana-dashboards",
  data: "/var/lib/grafana",
  secrets: `${CONFIG_DIR}/secrets`,
  elasticsearchPassword: `${CONFIG_DIR}/elasticsearch`,
  elasticsearchCa: `${CONFIG_DIR}/elasticsearch-ca`,
} as const;

/** The keys of Grafana's own Secret: the admin's password and the key that encrypts datasource secrets in its database. */
export const GRAFANA_SECRET_KEYS = { adminPassword: "admin-password", secretKey: "secret-key" } as const;
export const GRAFANA_ADMIN_USER = "admin";
const HEALTH_PATH = "/api/health";

// The database, plugins and sessions, all rebuilt from the provisioning files when the pod starts.
const GRAFANA_SCRATCH: ScratchDir[] = [{ name: "data", mountPath: GRAFANA_PATHS.data, sizeLimit: "256Mi" }];

/**
 * A file's contents, read by Grafana when it loads grafana.ini or a provisioning file (`$__file{}`): the secret
 * stays in its mounted file.
 */
function fileValue(path: string): string {
  return `$__file{${path}}`;
}

export type GrafanaSettings = Record<string, Record<string, string | number | boolean>>;

/**
 * grafana.ini as data; its two secrets are read from the mounted Secret's files (the admin password through
 * GF_SECURITY_ADMIN_PASSWORD__FILE, the secret key through `$__file{}`). Defaults that already say what is
 * wanted are written anyway where they are a security property, so a reader sees them and a test holds them.
 */
export function grafanaSettings(port: number, ingressHost?: string): GrafanaSettings {
  return {
    // Behind the Ingress, links and redirects name its HTTPS address; without one, the port-forward's.
    server: { http_port: port, protocol: "http", ...(ingressHost ? { domain: ingressHost, root_url: `https://${ingressHost}/` } : {}) },
    paths: { data: GRAFANA_PATHS.data, provisioning: GRAFANA_PATHS.provisioning },
    // The container's output is the log: no file logs on an emptyDir nobody reads.
    log: { mode: "console" },
    security: {
      admin_user: GRAFANA_ADMIN_USER,
      // Encrypts the datasources' secrets in the database; Grafana's built-in default is public. Read from the
      // mounted Secret at start (`$__file{}` expansion), so the key is in no ConfigMap and no environment.
      secret_key: fileValue(`${GRAFANA_PATHS.secrets}/${GRAFANA_SECRET_KEYS.secretKey}`),
      // Grafana creates the admin at its first start from the password file: the one way in, nothing else signs up.
      disable_initial_admin_creation: false,
      // Gravatar would send every user's e-mail hash to a third party.
      disable_gravatar: true,
      // Session cookies travel only over HTTPS; browsers treat http://localhost (a port-forward) as secure too.
      cookie_secure: true,
      cookie_samesite: "strict",
      // No page of Grafana may be framed by another site (clickjacking).
      allow_embedding: false,
    },
    users: { allow_sign_up: false, allow_org_create: false },
    "auth.anonymous": { enabled: false },
    // No usage reports, no update checks and no news feed: each one calls out to grafana.com from the cluster.
    analytics: { reporting_enabled: false, check_for_updates: false, check_for_plugin_updates: false, feedback_links_enabled: false },
    news: { news_feed_enabled: false },
    // Snapshots published externally would copy dashboard data to snapshots.raintank.io.
    snapshots: { external_enabled: false },
    // Nothing is installed at start: the pod has no egress to a plugin registry, and the built-in datasources suffice.
    plugins: { preinstall_disabled: true },
  };
}

/** grafana.ini's text: one `[section]` each, `key = value` lines. */
export function grafanaIni(settings: GrafanaSettings): string {
  return Object.entries(settings)
    .map(([section, values]) => [`[${section}]`, ...Object.entries(values).map(([key, value]) => `${key} = ${String(value)}`)].join("\n"))
    .join("\n\n")
    .concat("\n");
}

/**
 * Grafana expands `$NAME` and `${NAME}` in provisioning files from its environment; a `$` meant for Grafana's
 * own template variables (a data link's `${__value.raw}`) is written `$$`, so it reaches the datasource as typed.
 */
function literalDollars(text: string): string {
  return text.replaceAll("$", "$$$$");
}


export interface DatasourceTargets {
  endpoints: Pick<PlatformEndpoints, "prometheus" | "alertmanager" | "jaeger" | "elasticsearch">;
  /** The log pipeline runs: the Elasticsearch datasource and the links between traces and logs. */
  logs: boolean;
}

type Datasource = Record<string, unknown> & { name: string; type: string; uid: string };

const httpUrl = (target: { serviceName: string; namespace: string; port: number }) => `http://${clusterHost(target.serviceName, target.namespace)}:${target.port}`;

/** The datasources, each with its fixed UID (datasources.ts), read-only in the UI: the program is their one source. */
export function grafanaDatasources(targets: DatasourceTargets): Datasource[] {
  const { prometheus, alertmanager, jaeger, elasticsearch } = targets.endpoints;
  const common = { access: "proxy", editable: false };
  const datasources: Datasource[] = [
    {
      ...common,
      name: "Prometheus",
      type: "prometheus",
      uid: DATASOURCE_UIDS.prometheus,
      url: httpUrl(prometheus),
      isDefault: true,
      jsonData: { httpMethod: "POST", prometheusType: "Prometheus", timeInterval: SCRAPE_INTERVAL },
    },
    {
      ...common,
      name: "Alertmanager",
      type: "alertmanager",
      uid: DATASOURCE_UIDS.alertmanager,
      url: httpUrl(alertmanager),
      // The upstream Alertmanager, not Grafana's Mimir or Cortex flavours; Grafana sends it no alerts of its own.
      jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
    },
    {
      ...common,
      name: "Jaeger",
      type: "jaeger",
      uid: DATASOURCE_UIDS.jaeger,
      url: httpUrl({ serviceName: jaeger.queryServiceName, namespace: jaeger.namespace, port: jaeger.uiPort }),
      jsonData: targets.logs
        ? {
            // From a span to the log lines of its trace, a few minutes either side of it.
            tracesToLogsV2: {
              datasourceUid: DATASOURCE_UIDS.elasticsearch,
              spanStartTimeShift: "-5m",
              spanEndTimeShift: "5m",
              customQuery: true,
              query: literalDollars(`${LOG_FIELDS.traceId}:"\${__span.traceId}"`),
            },
          }
        : {},
    },
  ];
  if (!targets.logs) return datasources;
  return [
    ...datasources,
    {
      ...common,
      name: "Elasticsearch (logs)",
      type: "elasticsearch",
      uid: DATASOURCE_UIDS.elasticsearch,
      url: elasticsearch.url,
      basicAuth: true,
      basicAuthUser: GRAFANA_READER.user,
      jsonData: {
        index: indexPattern(INDEX_FAMILIES.logs),
        timeField: LOG_FIELDS.time,
        logMessageField: LOG_FIELDS.message,
        logLevelField: LOG_FIELDS.level,
        // Elasticsearch's own CA verifies its certificate (no skip-verify anywhere).
        tlsAuthWithCACert: true,
        // From a log line to its trace in Jaeger.
        dataLinks: [{ field: LOG_FIELDS.traceId, url: literalDollars("${__value.raw}"), datasourceUid: DATASOURCE_UIDS.jaeger }],
      },
      secureJsonData: {
        basicAuthPassword: fileValue(`${GRAFANA_PATHS.elasticsearchPassword}/${GRAFANA_READER_CREDENTIALS.passwordKey}`),
        tlsCACert: fileValue(`${GRAFANA_PATHS.elasticsearchCa}/${CERT_FILES.ca}`),
      },
    },
  ];
}

/** provisioning/datasources/datasources.yaml; `prune` deletes a datasource that leaves this list. */
export function datasourcesYaml(datasources: Datasource[]): string {
  return stringify({ apiVersion: 1, prune: true, datasources }, { lineWidth: 0 });
}

const DASHBOARD_FOLDER = "Platform";

/** provisioning/dashboards/platform.yaml: one file provider over the mounted dashboards, which the UI cannot change. */
export function dashboardProviderYaml(): string {
  const provider = {
    name: "platform",
    orgId: 1,
    folder: DASHBOARD_FOLDER,
    type: "file",
    // The program owns them: a change made in the UI would be lost at the next restart anyway.
    disableDeletion: true,
    allowUiUpdates: false,
    options: { path: GRAFANA_PATHS.dashboards, foldersFromFilesStructure: false },
  };
  return stringify({ apiVersion: 1, providers: [provider] }, { lineWidth: 0 });
}

/**
 * A UID that is also a ConfigMap name's suffix, a volume name's and a file name: lowercase DNS label characters,
 * short enough that `grafana-dashboard-<uid>` stays a valid volume name (63).
 */
function validDashboardUid(uid: string): boolean {
  return uid.length >= 1 && uid.length <= 40 && /^[a-z0-9-]+$/.test(uid) && !uid.startsWith("-") && !uid.endsWith("-");
}

export interface DashboardConfigMap {
  uid: string;
  /** The ConfigMap's object name, and its volume's. */
  objectName: string;
  fileName: string;
  json: string;
}

export function dashboardObjectName(uid: string): string {
  return `grafana-dashboard-${uid}`;
}

/**
 * One ConfigMap's contents per dashboard. A dashboard too large for one ConfigMap (1 MiB) is refused here,
 * naming it, before the API server would reject it halfway through an update.
 */
export function dashboardConfigMaps(dashboards: DashboardModel[]): DashboardConfigMap[] {
  const seen = new Set<string>();
  return dashboards.map((dashboard) => {
    if (!validDashboardUid(dashboard.uid)) throw new Error(`dashboard '${dashboard.title}': uid '${dashboard.uid}' must be 1 to 40 lowercase letters, digits and '-' (it names its ConfigMap and file)`);
    if (seen.has(dashboard.uid)) throw new Error(`dashboard '${dashboard.title}': uid '${dashboard.uid}' is used by another dashboard`);
    seen.add(dashboard.uid);
    const objectName = dashboardObjectName(dashboard.uid);
    const fileName = `${dashboard.uid}.json`;
    const json = JSON.stringify({ ...dashboard.model, uid: dashboard.uid, title: dashboard.title }, null, 1);
    assertConfigMapFits(objectName, { [fileName]: json }, `split dashboard '${dashboard.title}' into smaller dashboards`);
    return { uid: dashboard.uid, objectName, fileName, json };
  });
}

export interface GrafanaFiles {
  settingsConfigMap: Input<string>;
  provisioningConfigMap: Input<string>;
  secret: string;
  dashboards: { objectName: Input<string>; volume: string; uid: string }[];
  logs: boolean;
}

/** The provisioning ConfigMap's keys, each mounted into its own provisioning directory. */
export const PROVISIONING_FILES = { datasources: "datasources.yaml", dashboards: "platform.yaml" } as const;

function grafanaMounts(files: GrafanaFiles): Mount[] {
  // One volume, two files, each in the directory Grafana reads that kind of provisioning from.
  const provisioning = { name: "provisioning", configMap: { name: files.provisioningConfigMap } };
  return [
    configMapMount("settings", files.settingsConfigMap, GRAFANA_PATHS.config, { subPath: "grafana.ini" }),
    mountOf(provisioning, `${GRAFANA_PATHS.provisioning}/datasources/${PROVISIONING_FILES.datasources}`, { subPath: PROVISIONING_FILES.datasources }),
    mountOf(provisioning, `${GRAFANA_PATHS.provisioning}/dashboards/${PROVISIONING_FILES.dashboards}`, { subPath: PROVISIONING_FILES.dashboards }),
    secretMount("secrets", files.secret, GRAFANA_PATHS.secrets),
    ...files.dashboards.map((dashboard) => configMapMount(dashboard.volume, dashboard.objectName, `${GRAFANA_PATHS.dashboards}/${dashboard.uid}`)),
    ...(files.logs
      ? [
          secretMount("elasticsearch-password", GRAFANA_READER_CREDENTIALS.secretName, GRAFANA_PATHS.elasticsearchPassword, {
            items: [{ key: GRAFANA_READER_CREDENTIALS.passwordKey, path: GRAFANA_READER_CREDENTIALS.passwordKey }],
          }),
          secretMount("elasticsearch-ca", CERT_SECRETS.ca, GRAFANA_PATHS.elasticsearchCa),
        ]
      : []),
  ];
}

/** Grafana's container: plain HTTP inside the cluster, its secrets read from files, never from env values. */
export function grafanaContainer(sizing: GrafanaSizing, port: number, files: GrafanaFiles): SecureContainerArgs {
  return {
    name: "grafana",
    image: GRAFANA_IMAGE,
    resources: sizing.resources,
    ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
    env: [
      { name: "GF_PATHS_CONFIG", value: GRAFANA_PATHS.config },
      // Grafana reads each `<VARIABLE>__FILE` setting from the file it names: only the path is in the pod spec.
      { name: "GF_SECURITY_ADMIN_PASSWORD__FILE", value: `${GRAFANA_PATHS.secrets}/${GRAFANA_SECRET_KEYS.adminPassword}` },
    ],
    probes: {
      // Grafana migrates its (empty) database and provisions before it answers: seconds, as a native server.
      startup: httpProbe(HEALTH_PATH, "http", PROBE_TIMINGS.startup.native),
      // /api/health fails while the database is unusable: out of the Service; only a silent process is restarted.
      liveness: tcpProbe("http", PROBE_TIMINGS.liveness.native),
      readiness: httpProbe(HEALTH_PATH, "http", PROBE_TIMINGS.readiness.native),
    },
    scratch: GRAFANA_SCRATCH,
    mounts: grafanaMounts(files),
  };
}

/**
 * kube-score's deployment-replicas, in every environment (production too): the config schema allows one replica
 * only, since each pod keeps sign-in sessions in its own SQLite database (docs/observability.md, Grafana).
 */
export const GRAFANA_LINT_EXEMPTIONS: LintExemption[] = [
  {
    tool: "kube-score",
    check: "deployment-replicas",
    reason: "one replica in every environment: each Grafana pod keeps sign-in sessions in its own SQLite database, so a second pod would sign people out; everything it shows is provisioned, so a restart loses nothing else",
  },
];

type GrafanaIngress = NonNullable<GrafanaSizing["ingress"]>;

/** The optional Ingress: every path to Grafana's Service, over TLS with the configured certificate. */
export function grafanaIngressSpec(serviceName: string, ingress: GrafanaIngress): k8s.types.input.networking.v1.IngressSpec {
  return {
    ingressClassName: ingress.className,
    rules: [{ host: ingress.host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: serviceName, port: { name: "http" } } } }] } }],
    tls: [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }],
  };
}
