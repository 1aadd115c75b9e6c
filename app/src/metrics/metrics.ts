import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';

/** Prometheus's default buckets from 5 ms to 10 s: the 1 s latency alert reads the 1 bucket exactly, and dashboards built on the usual bounds work unchanged. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface AppMetrics {
  registry: Registry;
  /** http_requests_total and http_request_duration_seconds, by method, route template and status code. */
  httpRequests: RequestMetrics;
  itemsCreatedTotal: Counter;
  itemsDeletedTotal: Counter;
  vaultLoginsTotal: Counter<'result'>;
  /** Requests answered 503 by load shedding, by the kind of overload (http/protection.ts PressureType). */
  requestsShedTotal: Counter<'pressure_type'>;
}

/** One registry per app instance, so tests can build several apps in one process without clashes. */
export function createMetrics(countItems: () => number, droppedLogLines: () => number = () => 0): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics: AppMetrics = {
    registry,
    httpRequests: new RequestMetrics({
      registry,
      counterName: 'http_requests_total',
      counterHelp: 'API requests by method, route template and status code (probes and /metrics excluded)',
      histogramName: 'http_request_duration_seconds',
      histogramHelp: 'API request duration in seconds by method, route template and status code',
      buckets: HTTP_DURATION_BUCKETS,
    }),
    itemsCreatedTotal: new Counter({ name: 'items_created_total', help: 'Items created', registers }),
    itemsDeletedTotal: new Counter({ name: 'items_deleted_total', help: 'Items deleted', registers }),
    vaultLoginsTotal: new Counter({
      name: 'vault_logins_total',
      help: 'Vault login attempts by result (success or failure)',
      labelNames: ['result'] as const,
      registers,
    }),
    // Its own counter, not only a 503 in http_requests_total: a write refused while the API key is not loaded
    // is a 503 too, and the dashboard must tell overload from missing credentials.
    requestsShedTotal: new Counter({
      name: 'http_requests_shed_total',
      help: 'API requests shed under overload (answered 503 with Retry-After), by pressure_type',
      labelNames: ['pressure_type'] as const,
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
  let droppedSeen = 0;
  new Counter({
    name: 'log_lines_dropped_total',
    help: 'Log lines dropped because stdout did not keep up (the log writer\'s queue was full)',
    registers,
    collect() {
      const dropped = droppedLogLines();
      if (dropped > droppedSeen) this.inc(dropped - droppedSeen);
      droppedSeen = dropped;
    },
  });
  return metrics;
}
