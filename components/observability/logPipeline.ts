import type * as pulumi from "@pulumi/pulumi";
import { type ObservabilityComponentArgs, systemArgs } from "./componentArgs";
import { Elasticsearch } from "./elasticsearch";
import { Kafka } from "./kafka";
import { Kibana } from "./kibana";
import { logPipelineFlows } from "./logPipelineFlows";
import { VectorAgent, VectorAggregator } from "./vector";

export interface LogPipeline {
  kafka: Kafka;
  elasticsearch: Elasticsearch;
  kibana: Kibana;
  vectorAgent: VectorAgent;
  vectorAggregator: VectorAggregator;
}

/**
 * The log path (docs/architecture.md) as five child components of `parent` (the Observability component), ordered so
 * each starts once what it writes to exists: ACLs, then the topic, before the agent, users before Kibana and the aggregator.
 */
export function declareLogPipeline(args: ObservabilityComponentArgs, parent: pulumi.Resource): LogPipeline {
  const flows = logPipelineFlows({
    endpoints: args.endpoints,
    // The API server's addresses are a cluster fact, configured once (for Prometheus, the other API client).
    apiServer: args.config.prometheus.apiServer,
    kibanaUiAllowFrom: args.config.kibana.uiAllowFrom,
  });
  const opts = { parent };
  const { kafka: kafkaEndpoint, elasticsearch: elasticsearchEndpoint } = args.endpoints;
  // Elasticsearch and Kafka each declare their own private CA (certificates.ts): the Vector roles get Kafka's.
  const elasticsearch = new Elasticsearch(
    "elasticsearch",
    { ...systemArgs(args, "elasticsearch"), flows: { nodes: flows.elasticsearch, setupJob: flows.elasticsearchSetup }, grafanaReader: args.config.grafana.enabled },
    opts,
  );
  const kafka = new Kafka("kafka", { ...systemArgs(args, "kafka"), flows: { broker: flows.kafka, aclJob: flows.kafkaAcls, topicJob: flows.kafkaTopics } }, opts);
  const kibana = new Kibana(
    "kibana",
    {
      ...systemArgs(args, "kibana"),
      elasticsearchUrl: elasticsearchEndpoint.url,
      flows: { kibana: flows.kibana, setupJob: flows.kibanaSetup },
      elasticsearchSetup: elasticsearch.setupJob,
      kibanaSystemPassword: elasticsearch.kibanaSystemPassword,
      ca: elasticsearch.ca,
    },
    opts,
  );
  const vectorAgent = new VectorAgent(
    "vector-agent",
    { ...systemArgs(args, "vectorAgent", args.namespaces.logAgent), kafka: kafkaEndpoint, ca: kafka.ca, flows: flows.vectorAgent, dependsOn: [kafka.topicJob] },
    opts,
  );
  const vectorAggregator = new VectorAggregator(
    "vector-aggregator",
    {
      ...systemArgs(args, "vectorAggregator"),
      kafka: kafkaEndpoint,
      ca: kafka.ca,
      elasticsearchUrl: elasticsearchEndpoint.url,
      flows: flows.vectorAggregator,
      dependsOn: [kafka.topicJob, elasticsearch.setupJob],
    },
    opts,
  );
  return { kafka, elasticsearch, kibana, vectorAgent, vectorAggregator };
}
