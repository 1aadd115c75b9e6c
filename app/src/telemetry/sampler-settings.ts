import type { Context } from '@opentelemetry/api';

/** The values of the standard OTEL_TRACES_SAMPLER variable that the OTel SDK for Node implements. */
export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface SamplerSettings {
  /** OTEL_TRACES_SAMPLER. */
  name: SamplerName;
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of the traceidratio samplers, ignored by the others. */
  ratio: number;
}

/** Whether a request with this (extracted) parent context is traced. */
export type RequestSampler = (parent: Context) => boolean;
