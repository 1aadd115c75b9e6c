import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { selectorLabels } from "../../k8s/labels";
import { type RunAs, type ScratchDir, httpProbe, secureContainer, securePodSpec, tcpProbe } from "../../k8s/podSpec";
import { clusterHost } from "../../platformEndpoints";
import type { ObservabilityComponentArgs } from "../componentArgs";
import { exemptConcern, singleReplicaExemptions } from "../../k8s/lintExemptions";
import { CERT_FILES, CERT_SECRETS, type CertificateAuthority, declareKibanaCert, ELASTIC_STACK_VERSION, elasticImageUidReason, ELASTICSEARCH_CREDENTIALS, ELASTICSEARCH_IMAGE, INDEX_FAMILIES, indexPattern, KIBANA_SETUP } from "../elasticsearch";
import { SETUP_JOB_NAMES } from "../logPipelineFlows";
import type { WorkloadFlows } from "../../k8s/network";
import { type WorkloadIdentity, checksumOf, metadataOf } from "../../k8s/objectMeta";
import { configMapMount, secretMount, volumeMountsOf, volumesOf } from "../../k8s/mounts";
import { declareClusterIpService, declareConfigMap, declareDeployment, declarePdb, declareServiceAccount, servicePort } from "../../k8s/controllers";
import { declareFlowPolicy } from "../../k8s/network";
import type { SetupRequest } from "../setupJob";
import { declareSetupJob } from "../setupJob";
import { withResourceErrors } from "../../resourceErrors";

export const KIBANA_IMAGE = `docker.elastic.co/kibana/kibana:${ELASTIC_STACK_VERSION}`;
const KIBANA_RUN_AS: RunAs = { uid: 1000, gid: 1000, fsGroup: 1000 };
const KIBANA_TIME_FIELD = "timestamp";
const HOME = "/usr/share/kibana";
const CA_DIR = "/etc/blueprint/elasticsearch-ca";
const SERVER_CERT_DIR = "/etc/blueprint/kibana-certs";
const KIBANA_SCRATCH: ScratchDir[] = [{ name: "data", mountPath: `${HOME}/data`, sizeLimit: "64Mi" }];
const KIBANA_CONFIG_FILE = `${HOME}/config/kibana.yml`;
const SECRET_SETTINGS_DIR = "/etc/blueprint/kibana-secrets";
const SECRET_SETTINGS_FILE = "secret-settings.yml";
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
function kibanaDnsNames(serviceName: string, namespace: string): string[] {
  return [serviceName, `${serviceName}.${namespace}`, `${serviceName}.${namespace}.svc`, clusterHost(serviceName, namespace), "localhost"];
}

/** Kibana serves HTTPS only: its setup Job and UI clients send credentials to it. */
function kibanaUrl(serviceName: string, namespace: string, port: number): string {
  return `https://${clusterHost(serviceName, namespace)}:${port}`;
}

/** kibana.yml as data: everything but the secrets, which kibanaSecretSettings holds. */
function kibanaSettings(elasticsearchUrl: string): KibanaSettings {
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

/** One data view per index family; `override` makes the create an upsert. */
function dataViewRequests(): SetupRequest[] {
  return Object.values(INDEX_FAMILIES).map((family) => ({
    method: "POST",
    path: "/api/data_views/data_view",
    body: { data_view: { id: family, name: family, title: indexPattern(family), timeFieldName: KIBANA_TIME_FIELD }, override: true },
  }));
}

export interface KibanaArgs extends ObservabilityComponentArgs {
  flows: { kibana: WorkloadFlows; setupJob: WorkloadFlows };
  /** Kibana logs in as kibana_system, whose password the Elasticsearch setup Job sets. */
  elasticsearchSetup: pulumi.Resource;
  kibanaSystemPassword: pulumi.Output<string>;
  /** Elasticsearch's private CA: it signs Kibana's server certificate. */
  ca: CertificateAuthority;
}

/** Kibana 8 on the secured Elasticsearch, with the app-logs data views created once it is up. */
export class Kibana extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: KibanaArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:Kibana", name, {}, opts);
    const endpoint = args.endpoints.kibana;
    const sizing = args.config.kibana;
    const identity: WorkloadIdentity = { name: endpoint.serviceName, component: "log-ui", namespace: args.namespaces.observability };
    const selector = selectorLabels(identity.name);
    const settings = kibanaSettings(args.endpoints.elasticsearch.url);

    // Resource names kept from when the keys were env vars, so the generated keys stay the same.
    const keyResourceNames = ["kibana-security-key", "kibana-saved-objects-key", "kibana-reporting-key"];
    const keys = keyResourceNames.map((resource) => new random.RandomPassword(`${name}-${resource}`, { length: 48, special: false }, { parent: this }).result);
    const secretSettingsName = `${identity.name}-secret-settings`;
    const secretSettings = pulumi.secret(pulumi.all([args.kibanaSystemPassword, ...keys]).apply(([password, ...values]) => stringify(kibanaSecretSettings(password, values))));
    new k8s.core.v1.Secret(
      `${secretSettingsName}-secret`,
      { metadata: metadataOf(identity, secretSettingsName), type: "Opaque", stringData: { [SECRET_SETTINGS_FILE]: secretSettings } },
      { parent: this },
    );
    const configMap = declareConfigMap(identity, `${identity.name}-settings`, { "kibana.yml": stringify(settings) }, { parent: this });
    declareKibanaCert(identity, kibanaDnsNames(endpoint.serviceName, endpoint.namespace), args.ca, this);
    const https = (probe: k8s.types.input.core.v1.Probe) => ({ ...probe, httpGet: { ...(probe.httpGet as object), scheme: "HTTPS" } }) as k8s.types.input.core.v1.Probe;
    const serviceAccount = declareServiceAccount(identity, this);
    const mounts = [
      configMapMount("settings", configMap.metadata.name, KIBANA_CONFIG_FILE, { subPath: "kibana.yml" }),
      secretMount("secret-settings", secretSettingsName, SECRET_SETTINGS_DIR),
      secretMount("elasticsearch-ca", CERT_SECRETS.ca, CA_DIR),
      secretMount("server-cert", CERT_SECRETS.kibana, SERVER_CERT_DIR),
    ];

    const container = withResourceErrors(this, () => secureContainer({
      name: "kibana",
      image: KIBANA_IMAGE,
      runAs: KIBANA_RUN_AS,
      resources: sizing.resources,
      ports: [{ name: "http", containerPort: endpoint.port, protocol: "TCP" }],
      args: KIBANA_ARGS,
      probes: {
        // Kibana runs its saved-object migrations before it listens: give it up to five minutes.
        startup: tcpProbe("http", { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 }),
        liveness: tcpProbe("http", { initialDelaySeconds: 0, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 }),
        readiness: https(httpProbe("/api/status", "http", { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 })),
      },
      scratch: KIBANA_SCRATCH,
      volumeMounts: volumeMountsOf(mounts),
    }));
    this.deployment = declareDeployment(
      {
        identity,
        replicas: sizing.replicas,
        podAnnotations: { "checksum/settings": checksumOf(settings) },
        podSpec: securePodSpec({
          containers: [container],
          runAs: KIBANA_RUN_AS,
          serviceAccountName: serviceAccount.metadata.name,
          scratch: KIBANA_SCRATCH,
          volumes: volumesOf(mounts),
          ...(sizing.replicas > 1 ? { spreadLabels: selector } : {}),
        }),
        lintExemptions: [
          ...exemptConcern("lowUid", elasticImageUidReason("kibana")),
          ...singleReplicaExemptions(sizing.replicas),
        ],
      },
      { parent: this, dependsOn: [args.elasticsearchSetup] },
    );
    declarePdb(identity, this);
    const service = declareClusterIpService(identity, [servicePort("http", endpoint.port)], this);
    declareFlowPolicy(identity, args.flows.kibana, this);

    const jobIdentity: WorkloadIdentity = { name: SETUP_JOB_NAMES.kibanaSetup, component: "log-ui-setup", namespace: identity.namespace };
    declareSetupJob(
      {
        identity: jobIdentity,
        // The Elasticsearch image brings bash and curl; the job needs nothing from Kibana's.
        image: ELASTICSEARCH_IMAGE,
        serviceAccountName: serviceAccount.metadata.name,
        // Verified TLS with the CA that signed Kibana's certificate, as a user that may manage data views only.
        baseUrl: kibanaUrl(endpoint.serviceName, endpoint.namespace, endpoint.port),
        readyPath: "/api/status",
        user: KIBANA_SETUP.user,
        passwordSecret: { name: ELASTICSEARCH_CREDENTIALS.secretName, key: ELASTICSEARCH_CREDENTIALS.keys.kibanaSetup },
        caSecretName: CERT_SECRETS.ca,
        requests: dataViewRequests(),
        dependsOn: [this.deployment, service],
      },
      this,
    );
    declareFlowPolicy(jobIdentity, args.flows.setupJob, this);
    this.registerOutputs({ url: pulumi.output(kibanaUrl(endpoint.serviceName, endpoint.namespace, endpoint.port)) });
  }
}
