// Kafka: the durable log transport between the Vector agent and the aggregator.
export { Kafka } from "./kafka";
export { KAFKA_IMAGE } from "../../images";
