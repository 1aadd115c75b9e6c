import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { selectorLabels } from "../../k8s/labels";
import { exemptConcern } from "../../k8s/lintExemptions";
import { ONE_SHOT_RESOURCES, type RunAs, type ScratchDir, secureContainer, securePodSpec, tcpProbe, volumeClaimTemplate } from "../../k8s/podSpec";
import { clusterHost } from "../../platformEndpoints";
import type { ObservabilityComponentArgs } from "../componentArgs";
import { CERT_FILES, CERT_SECRETS, type CertificateAuthority, declareElasticsearchCerts, elasticsearchDnsNames } from "./certs";
import { elasticsearchSetupRequests } from "./setup";
import { SETUP_JOB_NAMES } from "../logPipelineFlows";
import type { WorkloadFlows } from "../../k8s/network";
import { type WorkloadIdentity, checksumOf, metadataOf } from "../../k8s/objectMeta";
import { type Mount, configMapMount, secretMount } from "../../k8s/mounts";
import { declareClusterIpService, declareConfigMap, declarePdb, declareServiceAccount, declareStatefulSet, headlessServiceName as headlessServiceNameOf, servicePort } from "../../k8s/controllers";
import { declareFlowPolicy } from "../../k8s/network";
import { declareSetupJob } from "../setupJob";
import { withResourceErrors } from "../../resourceErrors";

// Kibana must run the same version; both come from here.
export const ELASTIC_STACK_VERSION = "8.19.4";
export const ELASTICSEARCH_IMAGE = `docker.elastic.co/elasticsearch/elasticsearch:${ELASTIC_STACK_VERSION}`;
const ELASTICSEARCH_RUN_AS: RunAs = { uid: 1000, gid: 1000, fsGroup: 1000 };
const HOME = "/usr/share/elasticsearch";
const ELASTICSEARCH_PATHS = { config: `${HOME}/config`, certs: `${HOME}/config/certs`, data: `${HOME}/data`, logs: `${HOME}/logs` } as const;

/** The generated passwords, one Secret key each; consumers reference a single key. */
export const ELASTICSEARCH_CREDENTIALS = {
  secretName: "elasticsearch-credentials",
  keys: { elastic: "elastic", kibanaSystem: "kibana_system", writer: "vector-writer", kibanaSetup: "kibana-setup" },
} as const;

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
const PASSWORD_DIR: ScratchDir = { name: "password", mountPath: "/etc/blueprint/password", sizeLimit: "1Mi", medium: "Memory" };
const ELASTIC_PASSWORD_FILE = `${PASSWORD_DIR.mountPath}/elastic`;

export type ElasticsearchSettings = Record<string, string | boolean | string[]>;

export interface ElasticsearchTopology {
  namespace: string;
  serviceName: string;
  headlessServiceName: string;
  nodes: number;
}

function nodeNames(topology: ElasticsearchTopology): string[] {
  return Array.from({ length: topology.nodes }, (_, ordinal) => `${topology.serviceName}-${ordinal}`);
}

/** elasticsearch.yml as data. Security and TLS (HTTP and transport) are on in every environment. */
function elasticsearchSettings(topology: ElasticsearchTopology): ElasticsearchSettings {
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
          "cluster.initial_master_nodes": nodeNames(topology),
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

// Ready once the node answers an authenticated health call over TLS (its own state: no quorum needed).
const READINESS_COMMAND = [
  "bash",
  "-c",
  `curl --silent --fail --output /dev/null --cacert ${ELASTICSEARCH_PATHS.certs}/${CERT_FILES.ca} --user "elastic:$(< ${ELASTIC_PASSWORD_FILE})" "https://127.0.0.1:9200/_cluster/health?local=true"`,
];
// Copies the image's config/ (jvm.options, log4j2.properties…) into the emptyDir, then our elasticsearch.yml
// on top, and the elastic password into the in-memory password directory at the mode the entrypoint demands.
const COPY_CONFIG_COMMAND = [
  "bash",
  "-c",
  [
    `cp -a ${ELASTICSEARCH_PATHS.config}/. ${CONFIG_COPY_MOUNT}/`,
    `cp ${SETTINGS_MOUNT}/elasticsearch.yml ${CONFIG_COPY_MOUNT}/elasticsearch.yml`,
    `cp ${CREDENTIALS_MOUNT}/elastic ${ELASTIC_PASSWORD_FILE}`,
    `chmod 0400 ${ELASTIC_PASSWORD_FILE}`,
  ].join(" && "),
];

/**
 * Official Elastic images own their files as UID 1000. They also run under an arbitrary UID, but only with
 * GID 0, which is lower still: kube-score checks the group too.
 */
export function elasticImageUidReason(user: "elasticsearch" | "kibana"): string {
  return `the official ${user} image owns its files as UID/GID 1000; an arbitrary UID would need GID 0, which is lower still`;
}

export interface ElasticsearchArgs extends ObservabilityComponentArgs {
  flows: { nodes: WorkloadFlows; setupJob: WorkloadFlows };
}

/** Elasticsearch 8: secured, TLS everywhere, its credentials and its setup Job. */
export class Elasticsearch extends pulumi.ComponentResource {
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly setupJob: k8s.batch.v1.Job;
  /** For Kibana's secret settings file (a Pulumi secret). */
  readonly kibanaSystemPassword: pulumi.Output<string>;
  /** Signs Kibana's server certificate, so its clients trust it with the CA they already mount. */
  readonly ca: CertificateAuthority;

  constructor(name: string, args: ElasticsearchArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:Elasticsearch", name, {}, opts);
    const endpoint = args.endpoints.elasticsearch;
    const sizing = args.config.elasticsearch;
    const identity: WorkloadIdentity = { name: endpoint.serviceName, component: "log-store", namespace: args.namespaces.observability };
    const headlessServiceName = headlessServiceNameOf(identity.name);
    const topology: ElasticsearchTopology = { namespace: endpoint.namespace, serviceName: endpoint.serviceName, headlessServiceName, nodes: sizing.replicas };

    const password = (user: string) => new random.RandomPassword(`${name}-${user}-password`, { length: 32, special: false }, { parent: this }).result;
    const passwords = { elastic: password("elastic"), kibanaSystem: password("kibana-system"), writer: password("writer"), kibanaSetup: password("kibana-setup") };
    this.kibanaSystemPassword = passwords.kibanaSystem;
    const keys = ELASTICSEARCH_CREDENTIALS.keys;
    new k8s.core.v1.Secret(
      `${ELASTICSEARCH_CREDENTIALS.secretName}-secret`,
      {
        metadata: metadataOf(identity, ELASTICSEARCH_CREDENTIALS.secretName),
        type: "Opaque",
        stringData: {
          [keys.elastic]: passwords.elastic,
          [keys.kibanaSystem]: passwords.kibanaSystem,
          [keys.writer]: passwords.writer,
          [keys.kibanaSetup]: passwords.kibanaSetup,
        },
      },
      { parent: this },
    );
    this.ca = declareElasticsearchCerts(identity, elasticsearchDnsNames(endpoint.serviceName, headlessServiceName, endpoint.namespace), this);
    const settings = declareConfigMap(identity, `${identity.name}-settings`, { "elasticsearch.yml": stringify(elasticsearchSettings(topology)) }, { parent: this });
    const serviceAccount = declareServiceAccount(identity, this);
    const settingsFile = configMapMount("settings", settings.metadata.name, SETTINGS_MOUNT);
    const certs = secretMount("certs", CERT_SECRETS.node, ELASTICSEARCH_PATHS.certs);
    const credentials = credentialsMount("credentials", ["elastic"], CREDENTIALS_MOUNT);

    const copyConfig = withResourceErrors(this, () => secureContainer({
      name: "copy-config",
      image: ELASTICSEARCH_IMAGE,
      runAs: ELASTICSEARCH_RUN_AS,
      resources: ONE_SHOT_RESOURCES,
      command: COPY_CONFIG_COMMAND,
      scratch: [PASSWORD_DIR],
      volumeMounts: [
        { name: "config", mountPath: CONFIG_COPY_MOUNT },
        settingsFile.volumeMount,
        credentials.volumeMount,
      ],
    }));
    const node = withResourceErrors(this, () => secureContainer({
      name: "elasticsearch",
      image: ELASTICSEARCH_IMAGE,
      runAs: ELASTICSEARCH_RUN_AS,
      resources: sizing.resources,
      ports: [
        { name: "http", containerPort: endpoint.port, protocol: "TCP" },
        { name: "transport", containerPort: endpoint.transportPort, protocol: "TCP" },
      ],
      env: [
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "ES_JAVA_OPTS", value: javaOpts(sizing.heap) },
        // Read by the image's entrypoint into the keystore as the elastic user's bootstrap password.
        { name: "ELASTIC_PASSWORD_FILE", value: ELASTIC_PASSWORD_FILE },
      ],
      probes: {
        startup: tcpProbe("http", { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 }),
        liveness: tcpProbe("transport", { initialDelaySeconds: 0, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 }),
        readiness: { exec: { command: READINESS_COMMAND }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      },
      scratch: [...ELASTICSEARCH_SCRATCH, PASSWORD_DIR],
      volumeMounts: [
        { name: "data", mountPath: ELASTICSEARCH_PATHS.data },
        certs.volumeMount,
      ],
    }));
    const service = declareClusterIpService(identity, [servicePort("http", endpoint.port)], this);
    const cluster = declareStatefulSet(
      {
        identity,
        replicas: sizing.replicas,
        podManagementPolicy: "Parallel",
        memberPorts: [
          servicePort("http", endpoint.port),
          servicePort("transport", endpoint.transportPort),
        ],
        podSpec: securePodSpec({
          initContainers: [copyConfig],
          containers: [node],
          runAs: ELASTICSEARCH_RUN_AS,
          serviceAccountName: serviceAccount.metadata.name,
          scratch: [...ELASTICSEARCH_SCRATCH, PASSWORD_DIR],
          volumes: [
            settingsFile.volume,
            certs.volume,
            credentials.volume,
          ],
          terminationGracePeriodSeconds: 120,
          ...(sizing.replicas > 1 ? { spreadLabels: selectorLabels(identity.name) } : {}),
        }),
        // A settings change restarts the nodes (one at a time): the file is read only at start.
        podAnnotations: { "checksum/settings": checksumOf(elasticsearchSettings(topology)) },
        volumeClaimTemplates: [volumeClaimTemplate("data", sizing.volumeSize)],
        lintExemptions: exemptConcern("lowUid", elasticImageUidReason("elasticsearch")),
      },
      { parent: this },
    );
    declarePdb(identity, this);
    this.statefulSet = cluster.statefulSet;
    declareFlowPolicy(identity, args.flows.nodes, this);

    const jobIdentity: WorkloadIdentity = { name: SETUP_JOB_NAMES.elasticsearchSetup, component: "log-store-setup", namespace: identity.namespace };
    this.setupJob = declareSetupJob(
      {
        identity: jobIdentity,
        image: ELASTICSEARCH_IMAGE,
        serviceAccountName: serviceAccount.metadata.name,
        baseUrl: endpoint.url,
        readyPath: "/_cluster/health?wait_for_status=yellow&timeout=10s",
        user: "elastic",
        passwordSecret: { name: ELASTICSEARCH_CREDENTIALS.secretName, key: keys.elastic },
        caSecretName: CERT_SECRETS.ca,
        requests: elasticsearchSetupRequests({
          deleteAfterDays: sizing.deleteAfterDays,
          nodes: sizing.replicas,
          writerPassword: passwords.writer,
          kibanaSystemPassword: passwords.kibanaSystem,
          kibanaSetupPassword: passwords.kibanaSetup,
        }),
        dependsOn: [cluster.statefulSet, service],
      },
      this,
    );
    declareFlowPolicy(jobIdentity, args.flows.setupJob, this);
    this.registerOutputs({ url: endpoint.url });
  }
}

