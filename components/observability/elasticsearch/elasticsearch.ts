import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { declareConfigMap, declareSecret, headlessServiceName as headlessServiceNameOf, servicePort } from "../../k8s/controllers";
import { type WorkloadFlows, declareFlowPolicy } from "../../k8s/network";
import { type WorkloadIdentity, checksumOf } from "../../k8s/objectMeta";
import { declareWorkload, quorumMembers } from "../../k8s/workload";
import type { SystemArgs } from "../componentArgs";
import { SETUP_JOB_NAMES } from "../logPipelineFlows";
import { declareSetupJob } from "../setupJob";
import { CERT_SECRETS, type CertificateAuthority, declareElasticsearchCerts, elasticsearchDnsNames } from "./certs";
import {
  ELASTICSEARCH_CREDENTIALS,
  ELASTICSEARCH_IMAGE,
  ELASTICSEARCH_LINT_EXEMPTIONS,
  ELASTICSEARCH_RUN_AS,
  type ElasticsearchTopology,
  type ElasticsearchUser,
  elasticsearchContainers,
  elasticsearchSettings,
} from "./elasticsearchConfig";
import { elasticsearchSetupRequests } from "./setup";

type Passwords = Record<ElasticsearchUser, pulumi.Output<string>>;

/** A generated password per user, kept secret in state, and the Secret that holds them (one key each). */
function declareCredentials(name: string, identity: WorkloadIdentity, parent: pulumi.Resource): Passwords {
  const password = (user: string) => new random.RandomPassword(`${name}-${user}-password`, { length: 32, special: false }, { parent }).result;
  const passwords: Passwords = { elastic: password("elastic"), kibanaSystem: password("kibana-system"), writer: password("writer"), kibanaSetup: password("kibana-setup") };
  const keys = ELASTICSEARCH_CREDENTIALS.keys;
  const data = Object.fromEntries((Object.keys(keys) as ElasticsearchUser[]).map((user) => [keys[user], passwords[user]]));
  declareSecret(identity, ELASTICSEARCH_CREDENTIALS.secretName, data, { parent, resourceName: `${ELASTICSEARCH_CREDENTIALS.secretName}-secret` });
  return passwords;
}

export interface ElasticsearchArgs extends SystemArgs<"elasticsearch"> {
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
    const { endpoint, config: sizing } = args;
    const identity: WorkloadIdentity = { name: endpoint.serviceName, component: "log-store", namespace: args.namespace };
    const headlessServiceName = headlessServiceNameOf(identity.name);
    const topology: ElasticsearchTopology = { namespace: endpoint.namespace, serviceName: endpoint.serviceName, headlessServiceName, nodes: sizing.replicas };

    const passwords = declareCredentials(name, identity, this);
    this.kibanaSystemPassword = passwords.kibanaSystem;
    this.ca = declareElasticsearchCerts(identity, elasticsearchDnsNames(endpoint.serviceName, headlessServiceName, endpoint.namespace), this);
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
      // A settings change restarts the nodes (one at a time): the file is read only at start.
      template: { checksums: { settings: checksumOf(elasticsearchSettings(topology)) } },
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
        user: "elastic",
        passwordSecret: { name: ELASTICSEARCH_CREDENTIALS.secretName, key: ELASTICSEARCH_CREDENTIALS.keys.elastic },
        caSecretName: CERT_SECRETS.ca,
        requests: elasticsearchSetupRequests({
          deleteAfterDays: sizing.deleteAfterDays,
          nodes: sizing.replicas,
          writerPassword: passwords.writer,
          kibanaSystemPassword: passwords.kibanaSystem,
          kibanaSetupPassword: passwords.kibanaSetup,
        }),
        dependsOn: [this.statefulSet, service],
      },
      this,
    );
    declareFlowPolicy(jobIdentity, args.flows.setupJob, this);
    this.registerOutputs({ url: endpoint.url });
  }
}

