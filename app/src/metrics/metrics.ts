import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Buckets of the Python reference, so dashboards and alerts carry over unchanged. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface AppMetrics {
  registry: Registry;
  httpRequestsTotal: Counter<'method' | 'route' | 'status_code'>;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  itemsCreatedTotal: Counter;
  itemsDeletedTotal: Counter;
  vaultLoginsTotal: Counter<'result'>;
}

/** One registry per app instance, so tests can build several apps in one process without clashes. */
export function createMetrics(countItems: () => number): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const labelNames = ['method', 'route', 'status_code'] as const;
  const metrics: AppMetrics = {
    registry,
    httpRequestsTotal: new Counter({
      name: 'http_requests_total',
      help: 'API requests by method, route template and status code (probes and /metrics excluded)',
      labelNames,
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'API request duration in seconds by method, route template and status code',
      labelNames,
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    }),
    itemsCreatedTotal: new Counter({ name: 'items_created_total', help: 'Items created', registers }),
    itemsDeletedTotal: new Counter({ name: 'items_deleted_total', help: 'Items deleted', registers }),
    vaultLoginsTotal: new Counter({
      name: 'vault_logins_total',
      help: 'Vault login attempts by result (success or failure)',
      labelNames: ['result'] as const,
      registers,
    }),
  };
  new Gauge({
    name: 'items_stored',
    help: 'Items held by this replica (the in-memory store is per replica)',
    registers,
    collect() {
      this.set(countItems());
    },
  });
  return metrics;
}
