// Jaeger: the trace collector, store and UI in one process.
export { JAEGER_IMAGE, Jaeger, jaegerIngressFlows } from "./jaeger";
export { jaegerConfigYaml } from "./jaegerConfig";
