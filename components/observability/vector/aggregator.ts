import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { selectorLabels } from "../../k8s/labels";
import { DEFAULT_RUN_AS, securePodSpec } from "../../k8s/podSpec";
import type { ObservabilityComponentArgs } from "../componentArgs";
import { CERT_FILES, CERT_SECRETS, credentialsMount } from "../elasticsearch";
import { secretMount, volumeMountsOf, volumesOf } from "../../k8s/mounts";
import type { WorkloadFlows } from "../../k8s/network";
import { type WorkloadIdentity } from "../../k8s/objectMeta";
import { declareFlowPolicy } from "../../k8s/network";
import { declareDeployment, declarePdb, declareServiceAccount } from "../../k8s/controllers";
import { vectorAggregatorConfig } from "./vectorConfig";
import { assertScratchFits, dataDirScratch, declareVectorConfigMap, vectorConfigMount, vectorContainer, vectorPodAnnotations } from "./container";
import { withResourceErrors } from "../../resourceErrors";

const CA_DIR = "/etc/blueprint/elasticsearch-ca";
const CREDENTIALS_DIR = "/etc/blueprint/elasticsearch-credentials";

export interface VectorAggregatorArgs extends ObservabilityComponentArgs {
  flows: WorkloadFlows;
  dependsOn: pulumi.Resource[];
}

/**
 * The Vector aggregator (restricted): consumes app-logs, enriches, routes by level into daily indices. Its
 * disk buffers sit on an emptyDir: a lost buffer is re-read from Kafka, whose offsets it commits only
 * after Elasticsearch has accepted the events.
 */
export class VectorAggregator extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: VectorAggregatorArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:VectorAggregator", name, {}, opts);
    const endpoint = args.endpoints.vectorAggregator;
    const sizing = args.config.vectorAggregator;
    const identity: WorkloadIdentity = { name: "vector-aggregator", component: "log-aggregator", namespace: args.namespaces.observability };
    const selector = selectorLabels(identity.name);
    const config = vectorAggregatorConfig({
      kafkaBootstrap: args.endpoints.kafka.bootstrap,
      topic: args.endpoints.kafka.topic,
      elasticsearchUrl: args.endpoints.elasticsearch.url,
      caFile: `${CA_DIR}/${CERT_FILES.ca}`,
      credentialsDir: CREDENTIALS_DIR,
      metricsPort: endpoint.metricsPort,
    });
    const scratch = [dataDirScratch(config)];
    withResourceErrors(this, () => assertScratchFits("observability.vectorAggregator", sizing.resources, scratch));

    const serviceAccount = declareServiceAccount(identity, this);
    const configFile = vectorConfigMount(declareVectorConfigMap(identity, config, this));
    const elasticsearchFiles = [
      secretMount("elasticsearch-ca", CERT_SECRETS.ca, CA_DIR),
      // Only the writer's password, as the file `writer` the config's SECRET[...] names.
      credentialsMount("elasticsearch-credentials", ["writer"], CREDENTIALS_DIR),
    ];
    const container = withResourceErrors(this, () => vectorContainer({
      name: "vector",
      runAs: DEFAULT_RUN_AS,
      resources: sizing.resources,
      metricsPort: endpoint.metricsPort,
      scratch,
      config: configFile,
      volumeMounts: volumeMountsOf(elasticsearchFiles),
    }));
    this.deployment = declareDeployment(
      {
        identity,
        replicas: sizing.replicas,
        podAnnotations: vectorPodAnnotations(config, endpoint.metricsPort),
        podSpec: securePodSpec({
          containers: [container],
          runAs: DEFAULT_RUN_AS,
          serviceAccountName: serviceAccount.metadata.name,
          scratch,
          volumes: [configFile.volume, ...volumesOf(elasticsearchFiles)],
          ...(sizing.replicas > 1 ? { spreadLabels: selector } : {}),
        }),
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    declarePdb(identity, this);
    declareFlowPolicy(identity, args.flows, this);
    this.registerOutputs({});
  }
}
