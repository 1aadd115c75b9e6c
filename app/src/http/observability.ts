import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logging/logger.js';
import type { AppMetrics } from '../metrics/metrics.js';
import { isInternalRoute, routeLabelOf } from './route-kind.js';

export interface ResponseRecord {
  requestId: string;
  method: string;
  route: string;
  statusCode: number;
  durationMs: number;
  internal: boolean;
  /** The error code of a non-2xx answer, when known. */
  error?: string;
}

/**
 * Access log and RED metrics of one answered request. Internal routes (probes, /metrics, /docs) are logged at
 * debug and left out of the API metrics, so kubelet and Prometheus traffic does not drown real traffic. The log
 * line goes through the root logger with the request ID as a field: no child logger per request.
 */
export function createResponseRecorder(logger: Logger, metrics: AppMetrics): (record: ResponseRecord) => void {
  const log = logger.child({ logger: 'http' });
  return (record) => {
    // Two literals rather than a conditional spread: spreading into a literal is a runtime call per request.
    const durationMs = Math.round(record.durationMs * 1000) / 1000;
    const fields =
      record.error === undefined
        ? { request_id: record.requestId, method: record.method, route: record.route, status_code: record.statusCode, duration_ms: durationMs }
        : { request_id: record.requestId, method: record.method, route: record.route, status_code: record.statusCode, duration_ms: durationMs, error: record.error };
    if (record.internal) {
      log.debug(fields, 'request_completed');
      return;
    }
    metrics.httpRequests.observe(record.method, record.route, record.statusCode, record.durationMs / 1000);
    log.info(fields, 'request_completed');
  };
}

export function recordOf(request: FastifyRequest, reply: FastifyReply): ResponseRecord {
  const options = request.routeOptions;
  return {
    requestId: request.id,
    method: request.method,
    route: routeLabelOf(options),
    statusCode: reply.statusCode,
    durationMs: reply.elapsedTime,
    internal: isInternalRoute(options),
  };
}

/**
 * The one onResponse hook: ends the request's span first (when tracing is on), then writes the access line and
 * the metrics.
 */
export function registerObservabilityHooks(
  app: FastifyInstance,
  record: (record: ResponseRecord) => void,
  endTrace?: (request: FastifyRequest, statusCode: number) => void,
): void {
  app.addHook('onResponse', (request, reply, done) => {
    endTrace?.(request, reply.statusCode);
    record(recordOf(request, reply));
    done();
  });
}
