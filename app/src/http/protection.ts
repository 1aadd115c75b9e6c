import { getHeapStatistics } from 'node:v8';
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './error-handler.js';
import { isInternalRequest } from './route-kind.js';

export const RETRY_AFTER_SECONDS = 10;
/** under-pressure's default sample interval. */
const DEFAULT_SAMPLE_INTERVAL_MS = 1000;

export type LoadSheddingOptions = Pick<
  FastifyUnderPressureOptions,
  'maxEventLoopDelay' | 'maxEventLoopUtilization' | 'maxHeapUsedBytes' | 'maxRssBytes' | 'sampleInterval'
> & {
  /** Nothing is shed for this long after the app is built. */
  warmupSeconds?: number;
};

/** What under-pressure measured in its last sample (its `memoryUsage()` decorator). */
export interface PressureSample {
  eventLoopDelay: number;
  heapUsed: number;
  rssBytes: number;
  eventLoopUtilized: number;
}

/** The kinds of overload, named as under-pressure names them (the `pressure_type` of a `load_shed` line). */
export type PressureType = 'eventLoopDelay' | 'heapUsedBytes' | 'rssBytes' | 'eventLoopUtilization';

/** The heap threshold in bytes for a percentage of V8's heap limit; 0 keeps the check off. */
export function heapThresholdBytes(percent: number): number {
  return percent === 0 ? 0 : Math.floor((getHeapStatistics().heap_size_limit * percent) / 100);
}

/** The first threshold a sample is above, in under-pressure's order; a threshold of 0 (or unset) is off. */
export function pressureOf(sample: PressureSample, thresholds: LoadSheddingOptions): PressureType | undefined {
  const above = (value: number, limit: number | undefined) => limit !== undefined && limit > 0 && value > limit;
  if (above(sample.eventLoopDelay, thresholds.maxEventLoopDelay)) return 'eventLoopDelay';
  if (above(sample.heapUsed, thresholds.maxHeapUsedBytes)) return 'heapUsedBytes';
  if (above(sample.rssBytes, thresholds.maxRssBytes)) return 'rssBytes';
  if (above(sample.eventLoopUtilized, thresholds.maxEventLoopUtilization)) return 'eventLoopUtilization';
  return undefined;
}

/** Answers a request with 503 when the process is overloaded; true when it did (the request goes no further). */
export type ShedCheck = (request: FastifyRequest, reply: FastifyReply) => boolean;

/**
 * Load shedding: 503 + Retry-After when the process is really overloaded (event-loop delay far above the
 * latency objective, heap near its limit), never during warm-up. Probes are never shed: failing liveness
 * under load would make Kubernetes restart busy pods.
 *
 * under-pressure takes the samples; the thresholds are compared here once per sample, not per request. Given
 * thresholds, under-pressure adds its own onRequest hook, which reads Fastify's `request.routeOptions` (a getter
 * that builds and freezes a 12-field object) on every request to find a per-route handler this service never
 * sets. The app's one onRequest hook calls the returned check instead: a variable read per request.
 * `onShed` hears each shed request with its pressure type (the app counts them).
 */
export async function registerProtection(
  app: FastifyInstance,
  shedding: LoadSheddingOptions,
  onShed: (pressure: PressureType) => void = () => undefined,
): Promise<ShedCheck> {
  const { warmupSeconds = 0, ...thresholds } = shedding;
  const warmupEndsAt = performance.now() + warmupSeconds * 1000;
  const sampleInterval = thresholds.sampleInterval ?? DEFAULT_SAMPLE_INTERVAL_MS;
  // Utilization over the last sample, not since start: a long-lived pod must still react to a sudden burst.
  await app.register(underPressure, { eventLoopUtilizationMode: 'interval', sampleInterval });
  let pressure: PressureType | undefined;
  const evaluate = setInterval(() => {
    pressure = performance.now() < warmupEndsAt ? undefined : pressureOf(app.memoryUsage(), thresholds);
  }, sampleInterval).unref();
  app.addHook('onClose', (_instance, done) => {
    clearInterval(evaluate);
    done();
  });
  return (request, reply) => {
    if (pressure === undefined || isInternalRequest(request)) return false;
    request.log.warn({ pressure_type: pressure }, 'load_shed');
    onShed(pressure);
    reply
      .code(503)
      .header('retry-after', String(RETRY_AFTER_SECONDS))
      .send(errorBody(request, 'overloaded', 'The service is overloaded; retry later'));
    return true;
  };
}
