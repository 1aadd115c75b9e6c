import type * as k8s from "@pulumi/kubernetes";
import { stringify } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { declareConfigMap, declareSecret, headlessServiceName as headlessServiceNameOf, servicePort } from "../../k8s/controllers";
import { type WorkloadFlows, declareFlowPolicy } from "../../k8s/network";
import { type WorkloadIdentity, checksumOf } from "../../k8s/objectMeta";
import { declareWorkload, quorumMembers } from "../../k8s/workload";
import type { SystemArgs } from "../componentArgs";
import { ELASTICSEARCH_IMAGE } from "../../images";
import { SETUP_JOB_NAMES } from "../logPipelineFlows";
import { declareSetupJob, secretBodiesChecksum } from "../setupJob";
import { CERT_SECRETS, type CertificateAuthority, declareElasticsearchCerts, elasticsearchDnsNames } from "./certs";
import {
  ELASTICSEARCH_CREDENTIALS,
  ELASTICSEARCH_LINT_EXEMPTIONS,
  ELASTICSEARCH_RUN_AS,
  type ElasticsearchTopology,
  FILE_REALM_FILES,
  FILE_REALM_SECRET,
  elasticsearchContainers,
  elasticsearchSettings,
} from "./elasticsearchConfig";
import { FILE_REALM_USERS, curlUserConfig, fileRolesYaml, usersFile, usersRolesFile } from "./fileRealm";
import { GRAFANA_READER, KIBANA_SETUP, READER, elasticsearchSetupRequests } from "./setup";

/** Every generated password; the resource names are their identity in state (a new name is a new password). */
const PASSWORD_RESOURCES = {
  elastic: "elastic",
  kibanaSystem: "kibana-system",
  writer: "writer",
  kibanaSetup: "kibana-setup",
  setup: "setup",
  probe: "probe",
  reader: "logs-reader",
} as const;
type PasswordKey = keyof typeof PASSWORD_RESOURCES;
type Passwords = Record<PasswordKey, pulumi.Output<string>>;
/** Each password's bcrypt hash, computed by the random provider (fileRealm.ts says why). */
type Hashes = Record<PasswordKey, pulumi.Output<string>>;

/** The Secret people are given read access to, alone, to get the log reader's sign-in. */
export const READER_CREDENTIALS_SECRET = "logs-reader-credentials";
/** Grafana's sign-in to Elasticsearch: Grafana mounts this Secret's `password` key as a file. */
export const GRAFANA_READER_CREDENTIALS = { secretName: "grafana-reader-credentials", passwordKey: "password" } as const;

function generatePasswords(name: string, parent: pulumi.Resource): { passwords: Passwords; hashes: Hashes } {
  const generated = Object.entries(PASSWORD_RESOURCES).map(([key, resource]) => [key, new random.RandomPassword(`${name}-${resource}-password`, { length: 32, special: false }, { parent })] as const);
  return {
    passwords: Object.fromEntries(generated.map(([key, password]) => [key, password.result])) as Passwords,
    hashes: Object.fromEntries(generated.map(([key, password]) => [key, password.bcryptHash])) as Hashes,
  };
}

/** The curl config a user logs in with, as a Pulumi secret. */
function curlConfigOf(user: string, password: pulumi.Output<string>): pulumi.Output<string> {
  return pulumi.secret(password.apply((value) => curlUserConfig(user, value)));
}

/**
 * The generated passwords, kept secret in state, and the Secrets that deliver them: the services' passwords
 * and the setup Jobs' curl configs (one key each, each consumer mounts its own), and the reader's sign-in in
 * a Secret of its own, so a person can be granted that one Secret and nothing else.
 */
function declareCredentials(identity: WorkloadIdentity, passwords: Passwords, parent: pulumi.Resource): void {
  const { keys, curlConfigs } = ELASTICSEARCH_CREDENTIALS;
  const data = {
    [keys.elastic]: passwords.elastic,
    [keys.kibanaSystem]: passwords.kibanaSystem,
    [keys.writer]: passwords.writer,
    [curlConfigs.setup]: curlConfigOf(FILE_REALM_USERS.setup.user, passwords.setup),
    [curlConfigs.kibanaSetup]: curlConfigOf(KIBANA_SETUP.user, passwords.kibanaSetup),
  };
  declareSecret(identity, ELASTICSEARCH_CREDENTIALS.secretName, data, { parent, resourceName: `${ELASTICSEARCH_CREDENTIALS.secretName}-secret` });
  declareSecret(identity, READER_CREDENTIALS_SECRET, { username: READER.user, password: passwords.reader }, { parent, resourceName: `${READER_CREDENTIALS_SECRET}-secret` });
}

/**
 * The file realm (users with their bcrypt hashes, users_roles, roles.yml) and the probe's curl config. Returns
 * the checksum that rolls the nodes when it changes (keyed: it reveals nothing).
 */
function declareFileRealm(identity: WorkloadIdentity, passwords: Passwords, hashes: Hashes, parent: pulumi.Resource): pulumi.Output<string> {
  const files = {
    [FILE_REALM_FILES.users]: pulumi.secret(pulumi.all([hashes.probe, hashes.setup]).apply(([probe, setup]) => usersFile({ probe, setup }))),
    [FILE_REALM_FILES.usersRoles]: pulumi.output(usersRolesFile()),
    [FILE_REALM_FILES.roles]: pulumi.output(fileRolesYaml()),
    [FILE_REALM_FILES.probeCurlConfig]: curlConfigOf(FILE_REALM_USERS.probe.user, passwords.probe),
  };
  declareSecret(identity, FILE_REALM_SECRET, files, { parent, resourceName: `${FILE_REALM_SECRET}-secret` });
  return secretBodiesChecksum(FILE_REALM_SECRET, files, parent);
}

export interface ElasticsearchArgs extends SystemArgs<"elasticsearch"> {
  flows: { nodes: WorkloadFlows; setupJob: WorkloadFlows };
  /** Grafana runs: create its read-only user and the Secret it reads the password from. */
  grafanaReader: boolean;
}

/** Grafana's read-only user's password (its own resource: it exists only while Grafana does) and its Secret. */
function declareGrafanaReader(name: string, identity: WorkloadIdentity, parent: pulumi.Resource): pulumi.Output<string> {
  const password = new random.RandomPassword(`${name}-grafana-reader-password`, { length: 32, special: false }, { parent }).result;
  const { secretName, passwordKey } = GRAFANA_READER_CREDENTIALS;
  declareSecret(identity, secretName, { username: GRAFANA_READER.user, [passwordKey]: password }, { parent, resourceName: `${secretName}-secret` });
  return password;
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
    const { endpoint, config: sizing } = args;
    const identity: WorkloadIdentity = { name: endpoint.serviceName, component: "log-store", namespace: args.namespace };
    const headlessServiceName = headlessServiceNameOf(identity.name);
    const topology: ElasticsearchTopology = { namespace: endpoint.namespace, serviceName: endpoint.serviceName, headlessServiceName, nodes: sizing.replicas };

    const { passwords, hashes } = generatePasswords(name, this);
    declareCredentials(identity, passwords, this);
    const grafanaReaderPassword = args.grafanaReader ? declareGrafanaReader(name, identity, this) : undefined;
    this.kibanaSystemPassword = passwords.kibanaSystem;
    this.ca = declareElasticsearchCerts(identity, elasticsearchDnsNames(endpoint.serviceName, headlessServiceName, endpoint.namespace), this);
    const fileRealmChecksum = declareFileRealm(identity, passwords, hashes, this);
    const settings = declareConfigMap(identity, `${identity.name}-settings`, { "elasticsearch.yml": stringify(elasticsearchSettings(topology)) }, { parent: this });
    const containers = elasticsearchContainers(sizing, { http: endpoint.port, transport: endpoint.transportPort }, settings.metadata.name);
    const nodes = declareWorkload({
      identity,
      parent: this,
      controller: quorumMembers(sizing.replicas, [servicePort("http", endpoint.port), servicePort("transport", endpoint.transportPort)]),
      runAs: ELASTICSEARCH_RUN_AS,
      initContainers: [containers.init],
      containers: [containers.node],
      terminationGracePeriodSeconds: 120,
      // A settings or file realm change restarts the nodes (one at a time): the files are read only at start.
      template: { checksums: { settings: checksumOf(elasticsearchSettings(topology)), "file-realm": fileRealmChecksum } },
      lintExemptions: ELASTICSEARCH_LINT_EXEMPTIONS,
      services: [{ ports: [servicePort("http", endpoint.port)] }],
      flows: args.flows.nodes,
    });
    this.statefulSet = nodes.controller as k8s.apps.v1.StatefulSet;
    const service = nodes.services[identity.name];

    const jobIdentity: WorkloadIdentity = { name: SETUP_JOB_NAMES.elasticsearchSetup, component: "log-store-setup", namespace: identity.namespace };
    this.setupJob = declareSetupJob(
      {
        identity: jobIdentity,
        image: ELASTICSEARCH_IMAGE,
        serviceAccountName: nodes.serviceAccount.metadata.name,
        baseUrl: endpoint.url,
        readyPath: "/_cluster/health?wait_for_status=yellow&timeout=10s",
        // A file-realm user that may manage ILM, templates and security only: the elastic superuser stays for
        // break-glass use (docs/observability.md), and this user exists before the native realm does.
        curlConfigSecret: { name: ELASTICSEARCH_CREDENTIALS.secretName, key: ELASTICSEARCH_CREDENTIALS.curlConfigs.setup },
        caSecretName: CERT_SECRETS.ca,
        requests: elasticsearchSetupRequests({
          deleteAfterDays: sizing.deleteAfterDays,
          nodes: sizing.replicas,
          writerPassword: passwords.writer,
          kibanaSystemPassword: passwords.kibanaSystem,
          kibanaSetupPassword: passwords.kibanaSetup,
          readerPassword: passwords.reader,
          ...(grafanaReaderPassword ? { grafanaReaderPassword } : {}),
        }),
        dependsOn: [this.statefulSet, service],
      },
      this,
    );
    declareFlowPolicy(jobIdentity, args.flows.setupJob, this);
    this.registerOutputs({ url: endpoint.url });
  }
}

