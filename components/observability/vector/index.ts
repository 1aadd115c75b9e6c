// Vector: the per-node log agent and the aggregator that writes Kafka's logs into Elasticsearch.
export { VectorAgent } from "./agent";
export { VectorAggregator } from "./aggregator";
export { VECTOR_IMAGE } from "../../images";
