import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './error-handler.js';
import { isInternalRequest } from './route-kind.js';
import { computeSecurityHeaders } from './security-headers.js';

export const RETRY_AFTER_SECONDS = 10;

export type LoadSheddingOptions = Pick<
  FastifyUnderPressureOptions,
  'maxEventLoopDelay' | 'maxEventLoopUtilization' | 'maxHeapUsedBytes' | 'maxRssBytes' | 'sampleInterval'
>;

/**
 * Security headers on every response, and load shedding that answers 503 + Retry-After before the event loop
 * saturates. Probes are never shed: failing liveness under load would make Kubernetes restart busy pods.
 */
export async function registerProtection(app: FastifyInstance, shedding: LoadSheddingOptions): Promise<void> {
  const securityHeaders = computeSecurityHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  await app.register(underPressure, {
    // Utilization over the last sample, not since start: a long-lived pod must still react to a sudden burst.
    eventLoopUtilizationMode: 'interval',
    ...shedding,
    retryAfter: RETRY_AFTER_SECONDS,
    pressureHandler: (request, reply, type) => {
      if (isInternalRequest(request)) return undefined;
      request.log.warn({ pressure_type: type }, 'load_shed');
      reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS));
      // under-pressure sends a returned value as the body (its typings say void, its code does not).
      return errorBody(request, 'overloaded', 'The service is overloaded; retry later') as unknown as void;
    },
  });
}
