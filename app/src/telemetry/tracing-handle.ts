import type { RequestSampler } from './sampler-settings.js';

/** What the rest of the service knows about tracing; kept apart so "tracing off" never loads the OTel SDK. */
export interface Tracing {
  enabled: boolean;
  /** The configured sampler's decision per request (telemetry/request-sampling.ts); undefined when tracing is off. */
  sampleRequest: RequestSampler | undefined;
  shutdown(): Promise<void>;
}

export const noTracing: Tracing = { enabled: false, sampleRequest: undefined, shutdown: async () => undefined };
