import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { requestSampler } from './request-sampling.js';
import type { SamplerSettings } from './sampler-settings.js';
import type { Tracing } from './tracing-handle.js';

export interface TracingSettings {
  serviceName: string;
  serviceVersion: string;
  environment: string;
  /** OTLP/HTTP base URL, e.g. http://jaeger-collector.observability.svc.cluster.local:4318 */
  endpoint: string;
  sampler: SamplerSettings;
}


/**
 * Span buffering limits. With the collector down, spans beyond the queue are dropped rather than kept, so memory
 * stays bounded; each export gives up after the timeout instead of piling up requests. Smaller batches sent
 * more often keep the export's JSON encoding (the largest allocation of tracing) small.
 */
export const SPAN_QUEUE = { maxQueueSize: 1024, maxExportBatchSize: 256, scheduledDelayMillis: 1000, exportTimeoutMillis: 5000 };

/**
 * Starts OpenTelemetry: the tracer provider, W3C trace-context propagation and the batch exporter. The request
 * spans come from telemetry/request-tracing.ts, which applies the sampler of the standard OTEL_TRACES_SAMPLER
 * variables before it starts a span (telemetry/request-sampling.ts); the repository spans come from
 * items/traced-repository.ts, only under a recording request span. So the provider's sampler records whatever it
 * is asked for. No library is monkey-patched.
 */
export function startTracing(settings: TracingSettings, diagnostics?: DiagLogger): Tracing {
  if (diagnostics !== undefined) diag.setLogger(diagnostics, DiagLogLevel.WARN);

  const exporter = new OTLPTraceExporter({ url: `${settings.endpoint}/v1/traces`, timeoutMillis: SPAN_QUEUE.exportTimeoutMillis });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      [ATTR_SERVICE_VERSION]: settings.serviceVersion,
      'deployment.environment': settings.environment,
      'deployment.environment.name': settings.environment,
    }),
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new BatchSpanProcessor(exporter, SPAN_QUEUE)],
  });
  provider.register();

  return {
    enabled: true,
    sampleRequest: requestSampler(settings.sampler),
    async shutdown() {
      // Flushes what is queued; bounded by the exporter timeout, so a dead collector cannot stall shutdown.
      await provider.shutdown().catch(() => undefined);
    },
  };
}
