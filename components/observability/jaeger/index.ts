// Jaeger: the trace collector, store and UI in one process.
export { Jaeger } from "./jaeger";
export { JAEGER_IMAGE } from "../../images";
