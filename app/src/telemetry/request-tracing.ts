import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isInternalRequest, routeLabel } from '../http/route-kind.js';
import { REQUEST_ID_ATTRIBUTE } from './request-span.js';

interface RequestTrace {
  span: Span;
  context: Context;
}

/** The trace of each sampled request; unsampled requests never get an entry. */
const traces = new WeakMap<FastifyRequest, RequestTrace>();

/**
 * One SERVER span per sampled API request, continuing an incoming W3C `traceparent`. Hand-written rather than
 * @fastify/otel: that instrumentation builds, activates and finishes a span context for every request, sampled
 * or not, which a profile showed as most of what tracing cost at 10% sampling; here the sampler decides first
 * and an unsampled request costs one sampling decision. Probes, /metrics and /docs are not traced.
 */
export function registerRequestTracing(app: FastifyInstance): void {
  const tracer = trace.getTracer('items-api-http');
  // The headers the registered propagator reads (traceparent, tracestate, baggage by default). main.ts registers
  // the provider, and with it the propagator, before the server module loads.
  const propagationHeaders = propagation.fields();
  const carriesContext = (headers: FastifyRequest['headers']) => {
    for (const name of propagationHeaders) if (headers[name] !== undefined) return true;
    return false;
  };

  app.addHook('onRequest', (request, _reply, done) => {
    if (isInternalRequest(request)) return done();
    // Most requests carry no trace context: extracting from them would only walk the propagators to find nothing.
    const parent = carriesContext(request.headers) ? propagation.extract(ROOT_CONTEXT, request.headers) : ROOT_CONTEXT;
    const route = routeLabel(request);
    const span = tracer.startSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER }, parent);
    if (!span.isRecording()) return done();
    // Attributes only once the span records: an unsampled request allocates nothing beyond the sampling decision.
    // The samplers the OTEL_TRACES_SAMPLER variable selects decide on the trace ID and the parent, never on these.
    span.setAttributes({
      'http.request.method': request.method,
      'http.route': route,
      'url.path': request.url.split('?', 1)[0],
      [REQUEST_ID_ATTRIBUTE]: request.id,
    });
    const active = trace.setSpan(parent, span);
    traces.set(request, { span, context: active });
    context.with(active, done);
  });

  // Body parsing resumes outside the context; the handler (and the repository span in it) must run inside.
  app.addHook('preHandler', (request, _reply, done) => {
    const current = traces.get(request);
    if (current === undefined) return done();
    context.with(current.context, done);
  });

  app.addHook('onError', (request, _reply, error, done) => {
    traces.get(request)?.span.recordException(error);
    done();
  });

  const finish = (request: FastifyRequest, statusCode: number | undefined) => {
    const current = traces.get(request);
    if (current === undefined) return;
    traces.delete(request);
    if (statusCode === undefined) current.span.setAttribute('http.request.aborted', true);
    else current.span.setAttribute('http.response.status_code', statusCode);
    if (statusCode === undefined || statusCode >= 500) current.span.setStatus({ code: SpanStatusCode.ERROR });
    current.span.end();
  };
  app.addHook('onResponse', (request, reply, done) => {
    finish(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    finish(request, undefined);
    done();
  });
}
