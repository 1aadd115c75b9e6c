// Kafka: the durable log transport between the Vector agent and the aggregator.
export { KAFKA_IMAGE, Kafka } from "./kafka";
