import type { Input } from "@pulumi/pulumi";
import { ELASTICSEARCH_IMAGE } from "../../images";
import { exemptConcern } from "../../k8s/lintExemptions";
import { type Mount, type ScratchDir, claimMount, configMapMount, secretMount } from "../../k8s/mounts";
import { ONE_SHOT_RESOURCES, type RunAs, type SecureContainerArgs } from "../../k8s/podSpec";
import { PROBE_TIMINGS, execProbe, tcpProbe } from "../../k8s/probes";
import { clusterHost, statefulPodNames } from "../../platformEndpoints";
import type { ObservabilityConfig } from "../configSchema";
import { CERT_FILES, CERT_SECRETS } from "./certs";

type ElasticsearchSizing = ObservabilityConfig["elasticsearch"];

export const ELASTICSEARCH_RUN_AS: RunAs = { uid: 1000, gid: 1000, fsGroup: 1000 };
const HOME = "/usr/share/elasticsearch";
const ELASTICSEARCH_PATHS = { config: `${HOME}/config`, certs: `${HOME}/config/certs`, data: `${HOME}/data`, logs: `${HOME}/logs` } as const;

/**
 * The generated credentials, one Secret key each; consumers reference a single key. `keys` are passwords;
 * `curlConfigs` are curl config files (`user = "name:password"`) for the setup Jobs, which log in with
 * `curl --config FILE` so no password is ever in curl's argv.
 */
export const ELASTICSEARCH_CREDENTIALS = {
  secretName: "elasticsearch-credentials",
  keys: { elastic: "elastic", kibanaSystem: "kibana_system", writer: "vector-writer" },
  curlConfigs: { setup: "elasticsearch-setup.curlrc", kibanaSetup: "kibana-setup.curlrc" },
} as const;

/**
 * The file realm's files and the probe's curl config, in one Secret the init container copies from. roles.yml
 * and users_roles hold no secret, but they sit there rather than in the settings ConfigMap: ConfigMaps are
 * replaced on a change, and the StatefulSet, which names the ConfigMap, would be replaced with it (every node
 * down at once); the Secret is named by a constant, so a change to it only rolls the nodes (its checksum).
 */
export const FILE_REALM_FILES = { users: "users", usersRoles: "users_roles", roles: "roles.yml", probeCurlConfig: "probe.curlrc" } as const;
export const FILE_REALM_SECRET = "elasticsearch-file-realm";

export type ElasticsearchUser = keyof typeof ELASTICSEARCH_CREDENTIALS.keys;

/**
 * The credentials Secret holding only the given users' passwords, one file each, named by the user's key here
 * (`elastic`, `writer`), mounted read-only at `mountPath`: consumers read files, never env vars.
 */
export function credentialsMount(volumeName: string, users: ElasticsearchUser[], mountPath: string): Mount {
  const items = users.map((user) => ({ key: ELASTICSEARCH_CREDENTIALS.keys[user], path: user }));
  return secretMount(volumeName, ELASTICSEARCH_CREDENTIALS.secretName, mountPath, { items });
}

// config/ is an emptyDir filled by the init container: the entrypoint writes the keystore next to it, and the
// root filesystem is read-only.
const ELASTICSEARCH_SCRATCH: ScratchDir[] = [
  { name: "config", mountPath: ELASTICSEARCH_PATHS.config, sizeLimit: "32Mi" },
  { name: "logs", mountPath: ELASTICSEARCH_PATHS.logs, sizeLimit: "256Mi" },
];
const SETTINGS_MOUNT = "/mnt/settings";
const CONFIG_COPY_MOUNT = "/mnt/config";
const CREDENTIALS_MOUNT = "/mnt/credentials";
// The image's entrypoint reads ELASTIC_PASSWORD_FILE only at mode 400 or 600, and fsGroup turns a Secret
// file into 440: the init container copies it here at 400, into memory, never onto the node's disk.
// The readiness probe's curl config is copied there too, for the same reason: a file only the node's user reads.
const PASSWORD_DIR: ScratchDir = { name: "password", mountPath: "/etc/blueprint/password", sizeLimit: "1Mi", medium: "Memory" };
const ELASTIC_PASSWORD_FILE = `${PASSWORD_DIR.mountPath}/elastic`;
const PROBE_CURL_CONFIG = `${PASSWORD_DIR.mountPath}/${FILE_REALM_FILES.probeCurlConfig}`;
const FILE_REALM_MOUNT = "/mnt/file-realm";

export type ElasticsearchSettings = Record<string, string | boolean | string[]>;

export interface ElasticsearchTopology {
  namespace: string;
  serviceName: string;
  headlessServiceName: string;
  nodes: number;
}

/** elasticsearch.yml as data. Security and TLS (HTTP and transport) are on in every environment. */
export function elasticsearchSettings(topology: ElasticsearchTopology): ElasticsearchSettings {
  const ssl = (layer: "http" | "transport") => ({
    [`xpack.security.${layer}.ssl.enabled`]: true,
    [`xpack.security.${layer}.ssl.key`]: `certs/${CERT_FILES.key}`,
    [`xpack.security.${layer}.ssl.certificate`]: `certs/${CERT_FILES.cert}`,
    [`xpack.security.${layer}.ssl.certificate_authorities`]: [`certs/${CERT_FILES.ca}`],
  });
  const discovery: ElasticsearchSettings =
    topology.nodes === 1
      ? { "discovery.type": "single-node" }
      : {
          "discovery.seed_hosts": [clusterHost(topology.headlessServiceName, topology.namespace)],
          "cluster.initial_master_nodes": statefulPodNames(topology.serviceName, topology.nodes),
        };
  return {
    "cluster.name": "app-logs",
    "node.name": "${POD_NAME}",
    "network.host": "0.0.0.0",
    // mmap would need vm.max_map_count raised by a privileged init container; niofs needs nothing.
    "node.store.allow_mmap": false,
    // No egress to the internet: the GeoIP database download would only fail.
    "ingest.geoip.downloader.enabled": false,
    "xpack.ml.enabled": false,
    "xpack.security.enabled": true,
    "xpack.security.enrollment.enabled": false,
    ...ssl("http"),
    ...ssl("transport"),
    // Peers connect by pod IP, which no certificate names; the shared private CA is what authenticates them.
    "xpack.security.transport.ssl.verification_mode": "certificate",
    ...discovery,
  };
}

/** ES_JAVA_OPTS: a fixed heap from config, the same for minimum and maximum so it never resizes. */
function javaOpts(heap: string): string {
  return `-Xms${heap} -Xmx${heap}`;
}

/**
 * Ready once the node answers an authenticated health call over TLS (its own state: no quorum needed), as the
 * monitor-only file-realm user (fileRealm.ts), never `elastic`. It is a file-realm user because the probe runs
 * before the cluster has formed and before the setup Job could create a native user; the node reads its
 * `users` file at start. curl reads the user and password from its config file: nothing secret is in the
 * probe's argv, and no shell runs.
 */
function readinessCommand(httpPort: number): string[] {
  const health = `https://127.0.0.1:${httpPort}/_cluster/health?local=true`;
  return ["curl", "--config", PROBE_CURL_CONFIG, "--silent", "--fail", "--output", "/dev/null", "--cacert", `${ELASTICSEARCH_PATHS.certs}/${CERT_FILES.ca}`, health];
}
/**
 * Copies the image's config/ (jvm.options, log4j2.properties…) into the emptyDir, then our elasticsearch.yml
 * and the file realm's files on top (the users file readable by the node's user only), and the elastic
 * password and the probe's curl config into the in-memory password directory at mode 0400. Copied once per
 * pod start, the node's file realm and the probe's credentials always match; a changed file realm rolls the
 * pods (its checksum is on the pod template).
 */
const COPY_CONFIG_COMMAND = [
  "bash",
  "-c",
  [
    `cp -a ${ELASTICSEARCH_PATHS.config}/. ${CONFIG_COPY_MOUNT}/`,
    `cp ${SETTINGS_MOUNT}/elasticsearch.yml ${CONFIG_COPY_MOUNT}/elasticsearch.yml`,
    `cp ${FILE_REALM_MOUNT}/${FILE_REALM_FILES.roles} ${FILE_REALM_MOUNT}/${FILE_REALM_FILES.usersRoles} ${FILE_REALM_MOUNT}/${FILE_REALM_FILES.users} ${CONFIG_COPY_MOUNT}/`,
    `chmod 0600 ${CONFIG_COPY_MOUNT}/${FILE_REALM_FILES.users}`,
    `cp ${CREDENTIALS_MOUNT}/elastic ${ELASTIC_PASSWORD_FILE}`,
    `cp ${FILE_REALM_MOUNT}/${FILE_REALM_FILES.probeCurlConfig} ${PROBE_CURL_CONFIG}`,
    `chmod 0400 ${ELASTIC_PASSWORD_FILE} ${PROBE_CURL_CONFIG}`,
  ].join(" && "),
];

/**
 * Official Elastic images own their files as UID 1000. They also run under an arbitrary UID, but only with
 * GID 0, which is lower still: kube-score checks the group too.
 */
export function elasticImageUidReason(user: "elasticsearch" | "kibana"): string {
  return `the official ${user} image owns its files as UID/GID 1000; an arbitrary UID would need GID 0, which is lower still`;
}

export const ELASTICSEARCH_LINT_EXEMPTIONS = exemptConcern("lowUid", elasticImageUidReason("elasticsearch"));

/**
 * The node's init container and container. The init container fills config/ (an emptyDir) from the image and
 * the settings ConfigMap, and copies the elastic password into memory at the mode the entrypoint demands.
 */
export function elasticsearchContainers(
  sizing: ElasticsearchSizing,
  ports: { http: number; transport: number },
  settingsConfigMap: Input<string>,
): { init: SecureContainerArgs; node: SecureContainerArgs } {
  const credentials = credentialsMount("credentials", ["elastic"], CREDENTIALS_MOUNT);
  const configDir = ELASTICSEARCH_SCRATCH.find((dir) => dir.name === "config") as ScratchDir;
  const init: SecureContainerArgs = {
    name: "copy-config",
    image: ELASTICSEARCH_IMAGE,
    resources: ONE_SHOT_RESOURCES,
    command: COPY_CONFIG_COMMAND,
    // The same config emptyDir the node sees at config/, here at the copy's target.
    scratch: [PASSWORD_DIR, { ...configDir, mountPath: CONFIG_COPY_MOUNT }],
    mounts: [configMapMount("settings", settingsConfigMap, SETTINGS_MOUNT), credentials, secretMount("file-realm", FILE_REALM_SECRET, FILE_REALM_MOUNT)],
  };
  const node: SecureContainerArgs = {
    name: "elasticsearch",
    image: ELASTICSEARCH_IMAGE,
    resources: sizing.resources,
    ports: [
      { name: "http", containerPort: ports.http, protocol: "TCP" },
      { name: "transport", containerPort: ports.transport, protocol: "TCP" },
    ],
    env: [
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "ES_JAVA_OPTS", value: javaOpts(sizing.heap) },
      // Read by the image's entrypoint into the keystore as the elastic user's bootstrap password.
      { name: "ELASTIC_PASSWORD_FILE", value: ELASTIC_PASSWORD_FILE },
    ],
    probes: {
      startup: tcpProbe("http", PROBE_TIMINGS.startup.jvm),
      liveness: tcpProbe("transport", PROBE_TIMINGS.liveness.jvm),
      readiness: execProbe(readinessCommand(ports.http), PROBE_TIMINGS.readiness.jvm),
    },
    scratch: [...ELASTICSEARCH_SCRATCH, PASSWORD_DIR],
    mounts: [claimMount("data", sizing.volumeSize, ELASTICSEARCH_PATHS.data), secretMount("certs", CERT_SECRETS.node, ELASTICSEARCH_PATHS.certs)],
  };
  return { init, node };
}
