import { serviceSchema, type ServiceConfig } from "../../components/configSchema";

/** A second team's service, as a consumer project would configure it: the tests' ProductionService fixture. */
export function billingServiceConfig(): ServiceConfig {
  return serviceSchema.parse({
    image: { build: false, ref: "registry.example.com/team/billing:1.0.0" },
    port: 8080,
    replicas: { min: 2, max: 4 },
    resources: { requests: { cpu: "100m", memory: "128Mi", ephemeralStorage: "64Mi" }, limits: { cpu: "500m", memory: "256Mi", ephemeralStorage: "256Mi" } },
    // Another team's image: its own entrypoint, its own health paths, /metrics on its port.
    probes: { liveness: { path: "/healthz" }, readiness: { path: "/readyz" } },
    metrics: { port: "http", path: "/metrics" },
    topologySpread: true,
  });
}
