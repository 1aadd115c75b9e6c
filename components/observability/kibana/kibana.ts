import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { declareConfigMap, declareSecret, servicePort } from "../../k8s/controllers";
import { type WorkloadFlows, declareFlowPolicy } from "../../k8s/network";
import { type WorkloadIdentity, checksumOf } from "../../k8s/objectMeta";
import { declareWorkload } from "../../k8s/workload";
import type { SystemArgs } from "../componentArgs";
import { CERT_SECRETS, type CertificateAuthority, ELASTICSEARCH_CREDENTIALS, ELASTICSEARCH_IMAGE, declareKibanaCert } from "../elasticsearch";
import { SETUP_JOB_NAMES } from "../logPipelineFlows";
import { declareSetupJob } from "../setupJob";
import {
  KIBANA_RUN_AS,
  SECRET_SETTINGS_FILE,
  dataViewRequests,
  kibanaContainer,
  kibanaDnsNames,
  kibanaLintExemptions,
  kibanaSecretSettings,
  kibanaSettings,
  kibanaUrl,
} from "./kibanaConfig";

export interface KibanaArgs extends SystemArgs<"kibana"> {
  elasticsearchUrl: string;
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
    const { endpoint, config: sizing } = args;
    const identity: WorkloadIdentity = { name: endpoint.serviceName, component: "log-ui", namespace: args.namespace };
    const settings = kibanaSettings(args.elasticsearchUrl);

    // The resource names are the keys' identity in state: renaming one generates a new key, which ends every
    // session and makes encrypted saved objects unreadable.
    const keyResourceNames = ["kibana-security-key", "kibana-saved-objects-key", "kibana-reporting-key"];
    const keys = keyResourceNames.map((resource) => new random.RandomPassword(`${name}-${resource}`, { length: 48, special: false }, { parent: this }).result);
    const secretSettingsName = `${identity.name}-secret-settings`;
    const secretSettings = pulumi.secret(pulumi.all([args.kibanaSystemPassword, ...keys]).apply(([password, ...values]) => stringify(kibanaSecretSettings(password, values))));
    declareSecret(identity, secretSettingsName, { [SECRET_SETTINGS_FILE]: secretSettings }, { parent: this, resourceName: `${secretSettingsName}-secret` });
    const configMap = declareConfigMap(identity, `${identity.name}-settings`, { "kibana.yml": stringify(settings) }, { parent: this });
    declareKibanaCert(identity, kibanaDnsNames(endpoint.serviceName, endpoint.namespace), args.ca, this);
    const kibana = declareWorkload({
      identity,
      parent: this,
      controller: { kind: "Deployment", replicas: sizing.replicas },
      runAs: KIBANA_RUN_AS,
      containers: [kibanaContainer(sizing, endpoint.port, { settingsConfigMap: configMap.metadata.name, secretSettings: secretSettingsName })],
      template: { checksums: { settings: checksumOf(settings) } },
      lintExemptions: kibanaLintExemptions(sizing.replicas),
      services: [{ ports: [servicePort("http", endpoint.port)] }],
      flows: args.flows.kibana,
      dependsOn: [args.elasticsearchSetup],
    });
    this.deployment = kibana.controller as k8s.apps.v1.Deployment;
    const service = kibana.services[identity.name];

    const jobIdentity: WorkloadIdentity = { name: SETUP_JOB_NAMES.kibanaSetup, component: "log-ui-setup", namespace: identity.namespace };
    declareSetupJob(
      {
        identity: jobIdentity,
        // The Elasticsearch image brings bash and curl; the job needs nothing from Kibana's.
        image: ELASTICSEARCH_IMAGE,
        serviceAccountName: kibana.serviceAccount.metadata.name,
        // Verified TLS with the CA that signed Kibana's certificate, as a user that may manage data views only.
        baseUrl: kibanaUrl(endpoint.serviceName, endpoint.namespace, endpoint.port),
        readyPath: "/api/status",
        curlConfigSecret: { name: ELASTICSEARCH_CREDENTIALS.secretName, key: ELASTICSEARCH_CREDENTIALS.curlConfigs.kibanaSetup },
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
