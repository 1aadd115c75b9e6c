// Jaeger: the trace collector, store and UI in one process.
export { JAEGER_IMAGE, Jaeger } from "./jaeger";
