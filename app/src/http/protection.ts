import { getHeapStatistics } from 'node:v8';
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './error-handler.js';
import { isInternalRequest } from './route-kind.js';

export const RETRY_AFTER_SECONDS = 10;

export type LoadSheddingOptions = Pick<
  FastifyUnderPressureOptions,
  'maxEventLoopDelay' | 'maxEventLoopUtilization' | 'maxHeapUsedBytes' | 'maxRssBytes' | 'sampleInterval'
> & {
  /** Nothing is shed for this long after the app is built. */
  warmupSeconds?: number;
};

/** The heap threshold in bytes for a percentage of V8's heap limit; 0 keeps the check off. */
export function heapThresholdBytes(percent: number): number {
  return percent === 0 ? 0 : Math.floor((getHeapStatistics().heap_size_limit * percent) / 100);
}

/**
 * Load shedding: 503 + Retry-After when the process is really overloaded (event-loop delay far above the
 * latency objective, heap near its limit), never during warm-up. Probes are never shed: failing liveness
 * under load would make Kubernetes restart busy pods.
 */
export async function registerProtection(app: FastifyInstance, shedding: LoadSheddingOptions): Promise<void> {
  const { warmupSeconds = 0, ...thresholds } = shedding;
  const warmupEndsAt = performance.now() + warmupSeconds * 1000;
  await app.register(underPressure, {
    // Utilization over the last sample, not since start: a long-lived pod must still react to a sudden burst.
    eventLoopUtilizationMode: 'interval',
    ...thresholds,
    retryAfter: RETRY_AFTER_SECONDS,
    pressureHandler: (request, reply, type) => {
      if (isInternalRequest(request) || performance.now() < warmupEndsAt) return undefined;
      request.log.warn({ pressure_type: type }, 'load_shed');
      reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS));
      // under-pressure sends a returned value as the body (its typings say void, its code does not).
      return errorBody(request, 'overloaded', 'The service is overloaded; retry later') as unknown as void;
    },
  });
}
