import { stringify } from "yaml";

/** Where Jaeger listens besides the ports in platformEndpoints: the healthcheckv2 extension. */
export const JAEGER_HEALTH = { port: 13133, path: "/status" };
/** Badger's directories on the data volume (production). */
export const BADGER_DATA_DIR = "/badger";

export type JaegerStorage = { kind: "memory"; maxTraces: number } | { kind: "badger"; spanTtl: string };

// The subset of the Jaeger v2 (OpenTelemetry Collector) config this blueprint sets; a typo is a type error.
type Endpoint = { endpoint: string };
type TraceBackend = { memory: { max_traces: number } } | { badger: { directories: { keys: string; values: string }; ephemeral: boolean; ttl: { spans: string } } };

export interface JaegerConfigFile {
  service: {
    extensions: string[];
    pipelines: { traces: { receivers: string[]; processors: string[]; exporters: string[] } };
  };
  extensions: {
    healthcheckv2: { use_v2: true; http: Endpoint & { status: { enabled: boolean; path: string } } };
    jaeger_storage: { backends: Record<string, TraceBackend> };
    jaeger_query: { storage: { traces: string }; http: Endpoint };
  };
  receivers: { otlp: { protocols: { grpc: Endpoint; http: Endpoint } } };
  processors: {
    memory_limiter: { check_interval: string; limit_percentage: number; spike_limit_percentage: number };
    batch: Record<string, never>;
  };
  exporters: { jaeger_storage_exporter: { trace_storage: string } };
}

export interface JaegerPorts {
  otlpGrpcPort: number;
  otlpHttpPort: number;
  uiPort: number;
}

const STORE = "traces";

// Jaeger v2 binds to localhost by default (OTel Collector ≥ 0.104): in a pod every listener must say 0.0.0.0.
const anyHost = (port: number): Endpoint => ({ endpoint: `0.0.0.0:${port}` });

function backend(storage: JaegerStorage): TraceBackend {
  if (storage.kind === "memory") return { memory: { max_traces: storage.maxTraces } };
  return {
    badger: {
      directories: { keys: `${BADGER_DATA_DIR}/keys`, values: `${BADGER_DATA_DIR}/values` },
      ephemeral: false,
      ttl: { spans: storage.spanTtl },
    },
  };
}

function jaegerConfig(ports: JaegerPorts, storage: JaegerStorage): JaegerConfigFile {
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
      // memory_limiter first: under a burst it refuses spans (the SDK retries) instead of letting the pod be OOM-killed.
      pipelines: { traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["jaeger_storage_exporter"] } },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { ...anyHost(JAEGER_HEALTH.port), status: { enabled: true, path: JAEGER_HEALTH.path } } },
      jaeger_storage: { backends: { [STORE]: backend(storage) } },
      jaeger_query: { storage: { traces: STORE }, http: anyHost(ports.uiPort) },
    },
    receivers: { otlp: { protocols: { grpc: anyHost(ports.otlpGrpcPort), http: anyHost(ports.otlpHttpPort) } } },
    processors: {
      memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
      batch: {},
    },
    exporters: { jaeger_storage_exporter: { trace_storage: STORE } },
  };
}

export function jaegerConfigYaml(ports: JaegerPorts, storage: JaegerStorage): string {
  return stringify(jaegerConfig(ports, storage), { lineWidth: 0 });
}
