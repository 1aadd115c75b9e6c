import type { Input } from "@pulumi/pulumi";
import { KIBANA_IMAGE } from "../../images";
import { exemptConcern, singleReplicaExemptions } from "../../k8s/lintExemptions";
import { type ScratchDir, configMapMount, secretMount } from "../../k8s/mounts";
import type { RunAs, SecureContainerArgs } from "../../k8s/podSpec";
import { PROBE_TIMINGS, httpProbe, tcpProbe } from "../../k8s/probes";
import { clusterHost } from "../../platformEndpoints";
import type { ObservabilityConfig } from "../configSchema";
import { CERT_FILES, CERT_SECRETS, INDEX_FAMILIES, elasticImageUidReason, indexPattern } from "../elasticsearch";
import type { SetupRequest } from "../setupJob";

type KibanaSizing = ObservabilityConfig["kibana"];

export const KIBANA_RUN_AS: RunAs = { uid: 1000, gid: 1000, fsGroup: 1000 };
const KIBANA_TIME_FIELD = "timestamp";
const HOME = "/usr/share/kibana";
const CA_DIR = "/etc/blueprint/elasticsearch-ca";
const SERVER_CERT_DIR = "/etc/blueprint/kibana-certs";
const KIBANA_SCRATCH: ScratchDir[] = [{ name: "data", mountPath: `${HOME}/data`, sizeLimit: "64Mi" }];
const KIBANA_CONFIG_FILE = `${HOME}/config/kibana.yml`;
const SECRET_SETTINGS_DIR = "/etc/blueprint/kibana-secrets";
export const SECRET_SETTINGS_FILE = "secret-settings.yml";
/** Encryption keys shared by every replica, so sessions and saved objects survive a pod change. */
const ENCRYPTION_KEY_SETTINGS = ["xpack.security.encryptionKey", "xpack.encryptedSavedObjects.encryptionKey", "xpack.reporting.encryptionKey"] as const;

export type KibanaSettings = Record<string, string | boolean | string[]>;

/**
 * Kibana reads every --config file in order and merges them: kibana.yml (a ConfigMap) holds what may be
 * read, the second file (a Secret) the password and keys. Kibana has no *_FILE settings.
 */
const KIBANA_ARGS = ["--config", KIBANA_CONFIG_FILE, "--config", `${SECRET_SETTINGS_DIR}/${SECRET_SETTINGS_FILE}`];

/** The secret half of the settings: kibana_system's password and the encryption keys. */
export function kibanaSecretSettings(kibanaSystemPassword: string, encryptionKeys: string[]): Record<string, string> {
  return {
    "elasticsearch.password": kibanaSystemPassword,
    ...Object.fromEntries(ENCRYPTION_KEY_SETTINGS.map((setting, index) => [setting, encryptionKeys[index]])),
  };
}

/** The names Kibana's server certificate carries: its Service in every form, and localhost. */
export function kibanaDnsNames(serviceName: string, namespace: string): string[] {
  return [serviceName, `${serviceName}.${namespace}`, `${serviceName}.${namespace}.svc`, clusterHost(serviceName, namespace), "localhost"];
}

/** Kibana serves HTTPS only: its setup Job and UI clients send credentials to it. */
export function kibanaUrl(serviceName: string, namespace: string, port: number): string {
  return `https://${clusterHost(serviceName, namespace)}:${port}`;
}

/** kibana.yml as data: everything but the secrets, which kibanaSecretSettings holds. */
export function kibanaSettings(elasticsearchUrl: string): KibanaSettings {
  return {
    "server.host": "0.0.0.0",
    // TLS on Kibana's own port: the setup Job logs in over it, and the UI's login form posts a password.
    "server.ssl.enabled": true,
    "server.ssl.certificate": `${SERVER_CERT_DIR}/${CERT_FILES.cert}`,
    "server.ssl.key": `${SERVER_CERT_DIR}/${CERT_FILES.key}`,
    "server.name": "kibana",
    "path.data": `${HOME}/data`,
    "elasticsearch.hosts": [elasticsearchUrl],
    // Kibana refuses the elastic superuser; kibana_system is the built-in user for its own indices, and no more.
    "elasticsearch.username": "kibana_system",
    "elasticsearch.ssl.certificateAuthorities": [`${CA_DIR}/${CERT_FILES.ca}`],
    "elasticsearch.ssl.verificationMode": "full",
    // The probes call /api/status without credentials; anonymous callers see only the overall level.
    "status.allowAnonymous": true,
    "telemetry.optIn": false,
    "telemetry.allowChangingOptInStatus": false,
  };
}

/**
 * The body of Kibana's "create a data view" request (POST /api/data_views/data_view), the fields this
 * program sends, spelled as Kibana's published OpenAPI document names them. Kibana ships that document
 * but no typed client on any registry (unlike Elasticsearch, whose request types come from its client),
 * so this interface is written by hand from it; it still makes a misspelt key a compile error.
 */
interface CreateDataViewBody {
  data_view: { id?: string; name?: string; title: string; timeFieldName?: string; allowNoIndex?: boolean; namespaces?: string[] };
  /** Replace a data view of the same title: the create becomes an upsert. */
  override?: boolean;
}

/** One data view per index family; `override` makes the create an upsert. */
export function dataViewRequests(): SetupRequest[] {
  return Object.values(INDEX_FAMILIES).map((family) => {
    const body: CreateDataViewBody = { data_view: { id: family, name: family, title: indexPattern(family), timeFieldName: KIBANA_TIME_FIELD }, override: true };
    return { method: "POST", path: "/api/data_views/data_view", body };
  });
}

export function kibanaLintExemptions(replicas: number) {
  return [...exemptConcern("lowUid", elasticImageUidReason("kibana")), ...singleReplicaExemptions(replicas)];
}

/** Kibana's container: HTTPS on its port, settings from the ConfigMap and the secret settings file. */
export function kibanaContainer(sizing: KibanaSizing, port: number, files: { settingsConfigMap: Input<string>; secretSettings: string }): SecureContainerArgs {
  return {
    name: "kibana",
    image: KIBANA_IMAGE,
    resources: sizing.resources,
    ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
    args: KIBANA_ARGS,
    probes: {
      // Kibana runs its saved-object migrations before it listens: give it up to five minutes.
      startup: tcpProbe("http", PROBE_TIMINGS.startup.jvm),
      liveness: tcpProbe("http", PROBE_TIMINGS.liveness.jvm),
      readiness: httpProbe("/api/status", "http", PROBE_TIMINGS.readiness.jvm, "HTTPS"),
    },
    scratch: KIBANA_SCRATCH,
    mounts: [
      configMapMount("settings", files.settingsConfigMap, KIBANA_CONFIG_FILE, { subPath: "kibana.yml" }),
      secretMount("secret-settings", files.secretSettings, SECRET_SETTINGS_DIR),
      secretMount("elasticsearch-ca", CERT_SECRETS.ca, CA_DIR),
      secretMount("server-cert", CERT_SECRETS.kibana, SERVER_CERT_DIR),
    ],
  };
}
