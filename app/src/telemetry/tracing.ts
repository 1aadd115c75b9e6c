import { FastifyOtelInstrumentation } from '@fastify/otel';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { isInternalPath } from '../http/route-kind.js';
import { REQUEST_ID_ATTRIBUTE } from './request-span.js';
import type { Tracing } from './tracing-handle.js';

export interface TracingSettings {
  serviceName: string;
  serviceVersion: string;
  environment: string;
  /** OTLP/HTTP base URL, e.g. http://jaeger-collector.observability.svc.cluster.local:4318 */
  endpoint: string;
}


/**
 * Span buffering limits. With the collector down, spans beyond the queue are dropped rather than kept, so memory
 * stays bounded; each export gives up after the timeout instead of piling up requests. Smaller batches sent
 * more often keep the export's JSON encoding (the largest allocation of tracing) small.
 */
export const SPAN_QUEUE = { maxQueueSize: 1024, maxExportBatchSize: 256, scheduledDelayMillis: 1000, exportTimeoutMillis: 5000 };

/**
 * Starts OpenTelemetry. Must run before Fastify and node:http are loaded by the app, which is why main.ts
 * calls it first and imports the server afterwards.
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
    spanProcessors: [new BatchSpanProcessor(exporter, SPAN_QUEUE)],
  });
  provider.register();

  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // No @opentelemetry/instrumentation-http: beside @fastify/otel it cost about a third of the traced
      // throughput (it binds the context to every request and response emitter) for a second server span.
      // @fastify/otel's request span is the SERVER span and extracts the incoming traceparent itself.
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // Spans per lifecycle hook and per handler would multiply the spans per request (a profile showed
        // tracing cost growing with them); the request span plus the repository span say where time goes.
        instrumentHooks: false,
        instrumentHandler: false,
        // Probes, scrapes and /docs would be most of the spans and carry no information.
        ignorePaths: (route) => isInternalPath(route.url),
        requestHook: (span, request) => span.setAttribute(REQUEST_ID_ATTRIBUTE, request.id),
      }),
    ],
  });

  return {
    enabled: true,
    async shutdown() {
      unregister();
      // Flushes what is queued; bounded by the exporter timeout, so a dead collector cannot stall shutdown.
      await provider.shutdown().catch(() => undefined);
    },
  };
}
