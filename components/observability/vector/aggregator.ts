import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { secretMount } from "../../k8s/mounts";
import type { WorkloadIdentity } from "../../k8s/objectMeta";
import { DEFAULT_RUN_AS } from "../../k8s/podSpec";
import { declareWorkload } from "../../k8s/workload";
import { withResourceErrors } from "../../resourceErrors";
import { CERT_FILES, CERT_SECRETS, credentialsMount } from "../elasticsearch";
import { KAFKA_PRINCIPALS } from "../kafka/kafkaConfig";
import { KAFKA_CERT_DIR, type VectorRoleArgs, assertScratchFits, dataDirScratch, declareVectorConfigMap, declareVectorKafkaCert, vectorConfigMount, vectorContainer, vectorPodTemplate } from "./container";
import { vectorAggregatorConfig } from "./vectorConfig";

const CA_DIR = "/etc/blueprint/elasticsearch-ca";
const CREDENTIALS_DIR = "/etc/blueprint/elasticsearch-credentials";

export interface VectorAggregatorArgs extends VectorRoleArgs<"vectorAggregator"> {
  elasticsearchUrl: string;
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
    const { endpoint, config: sizing } = args;
    const identity: WorkloadIdentity = { name: "vector-aggregator", component: "log-aggregator", namespace: args.namespace };
    const config = vectorAggregatorConfig({
      kafkaBootstrap: args.kafka.bootstrap,
      kafkaCertDir: KAFKA_CERT_DIR,
      topic: args.kafka.topic,
      elasticsearchUrl: args.elasticsearchUrl,
      caFile: `${CA_DIR}/${CERT_FILES.ca}`,
      credentialsDir: CREDENTIALS_DIR,
      metricsPort: endpoint.metricsPort,
    });
    const scratch = [dataDirScratch(config)];
    withResourceErrors(this, () => assertScratchFits("observability.vectorAggregator", sizing.resources, scratch));

    // Its Kafka identity may only read app-logs through its own consumer group.
    const kafkaCert = declareVectorKafkaCert(identity, KAFKA_PRINCIPALS.aggregator, args.ca, this);
    const workload = declareWorkload({
      identity,
      parent: this,
      controller: { kind: "Deployment", replicas: sizing.replicas },
      runAs: DEFAULT_RUN_AS,
      containers: [
        vectorContainer({
          name: "vector",
          resources: sizing.resources,
          metricsPort: endpoint.metricsPort,
          scratch,
          mounts: [
            vectorConfigMount(declareVectorConfigMap(identity, config, this)),
            secretMount("elasticsearch-ca", CERT_SECRETS.ca, CA_DIR),
            // Only the writer's password, as the file `writer` the config's SECRET[...] names.
            credentialsMount("elasticsearch-credentials", ["writer"], CREDENTIALS_DIR),
            kafkaCert.mount,
          ],
        }),
      ],
      template: vectorPodTemplate(config, endpoint.metricsPort, kafkaCert.checksum),
      flows: args.flows,
      dependsOn: args.dependsOn,
    });
    this.deployment = workload.controller as k8s.apps.v1.Deployment;
    this.registerOutputs({});
  }
}
