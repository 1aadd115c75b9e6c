import type { FastifyInstance } from 'fastify';
import type { AppMetrics } from '../metrics/metrics.js';
import { tagServerSpanWithRequestId } from '../telemetry/request-span.js';
import { isInternalRequest, routeLabel } from './route-kind.js';

/**
 * Access logs and RED metrics for every request. Internal routes (probes, /metrics, /docs) are logged at debug
 * and left out of the API metrics, so kubelet and Prometheus traffic does not drown real traffic.
 */
export function registerObservabilityHooks(app: FastifyInstance, metrics: AppMetrics): void {
  app.addHook('onRequest', (request, _reply, done) => {
    tagServerSpanWithRequestId(request.raw, request.id);
    request.log.debug({ method: request.method, route: routeLabel(request) }, 'request_started');
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = routeLabel(request);
    const statusCode = reply.statusCode;
    const durationMs = reply.elapsedTime;
    const fields = { method: request.method, route, status_code: statusCode, duration_ms: Math.round(durationMs * 1000) / 1000 };
    if (isInternalRequest(request)) {
      request.log.debug(fields, 'request_completed');
    } else {
      const labels = { method: request.method, route, status_code: String(statusCode) };
      metrics.httpRequestsTotal.inc(labels);
      metrics.httpRequestDuration.observe(labels, durationMs / 1000);
      request.log.info(fields, 'request_completed');
    }
    done();
  });
}
