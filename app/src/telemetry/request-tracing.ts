import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import { hookList } from '../http/route-hooks.js';
import { isInternalRoute, routeLabelOf } from '../http/route-kind.js';
import { REQUEST_ID_ATTRIBUTE } from './request-span.js';
import type { RequestSampler } from './sampler-settings.js';

interface RequestTrace {
  span: Span;
  context: Context;
}

/** The two calls the app's own hooks make; everything else tracing needs it registers itself. */
export interface RequestTracing {
  /** From the app's one onRequest hook: starts the span of a sampled API request and continues inside it. */
  begin(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void;
  /** From the app's onResponse hook: ends the request's span, if it has one. */
  end(request: FastifyRequest, statusCode: number): void;
}

/** Methods whose body Fastify parses before routing continues; the rest never leave the request's context. */
const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD']);

function carriesBody(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return methods.some((method) => !METHODS_WITHOUT_BODY.has(method));
}

/**
 * One SERVER span per sampled API request, continuing an incoming W3C `traceparent`. Hand-written rather than
 * @fastify/otel: that instrumentation builds, activates and finishes a span context for every request, sampled
 * or not, which a profile showed as most of what tracing cost at 10% sampling; here the sampler decides first
 * (telemetry/request-sampling.ts), and the SDK is asked for a span only for a request that is traced. An
 * unsampled request costs one sampling decision and nothing per lifecycle step: no app-wide hooks of its own
 * (an app-wide `preHandler` or `onRequestAbort` hook is paid by every request; the latter even adds a `close`
 * listener to each). Probes, /metrics and /docs are not traced.
 */
export function registerRequestTracing(app: FastifyInstance, sampled: RequestSampler): RequestTracing {
  const tracer = trace.getTracer('items-api-http');
  const traces = new WeakMap<FastifyRequest, RequestTrace>();
  // The headers the registered propagator reads (traceparent, tracestate, baggage by default). main.ts registers
  // the provider, and with it the propagator, before the server module loads.
  const propagationHeaders = propagation.fields();
  const carriesContext = (headers: FastifyRequest['headers']) => {
    for (const name of propagationHeaders) if (headers[name] !== undefined) return true;
    return false;
  };

  const finish = (request: FastifyRequest, statusCode: number | undefined) => {
    const current = traces.get(request);
    if (current === undefined) return;
    traces.delete(request);
    if (statusCode === undefined) current.span.setAttribute('http.request.aborted', true);
    else current.span.setAttribute('http.response.status_code', statusCode);
    if (statusCode === undefined || statusCode >= 500) current.span.setStatus({ code: SpanStatusCode.ERROR });
    current.span.end();
  };

  // Body parsing resumes outside the context; the handler (and the repository span in it) must run inside. Only
  // routes with a body need this, so it is a route-level hook on those, not an app-wide one.
  const reenter = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const current = traces.get(request);
    if (current === undefined) return done();
    context.with(current.context, done);
  };
  app.addHook('onRoute', (route) => {
    if (!carriesBody(route)) return;
    route.preHandler = [reenter, ...hookList(route.preHandler)];
  });

  // onError hooks run only for a request that failed: free for every other request.
  app.addHook('onError', (request, _reply, error, done) => {
    traces.get(request)?.span.recordException(error);
    done();
  });

  return {
    begin(request, reply, done) {
      const options = request.routeOptions;
      if (isInternalRoute(options)) return done();
      // Most requests carry no trace context: extracting from them would only walk the propagators to find nothing.
      const parent = carriesContext(request.headers) ? propagation.extract(ROOT_CONTEXT, request.headers) : ROOT_CONTEXT;
      if (!sampled(parent)) return done();
      // The provider's own sampler records every span it is asked for (telemetry/tracing.ts): the decision is made.
      const route = routeLabelOf(options);
      const span = tracer.startSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER }, parent);
      span.setAttributes({
        'http.request.method': request.method,
        'http.route': route,
        'url.path': request.url.split('?', 1)[0],
        [REQUEST_ID_ATTRIBUTE]: request.id,
      });
      const active = trace.setSpan(parent, span);
      traces.set(request, { span, context: active });
      // A response that closes before it finished was aborted (the client went away); a finished one was already
      // ended by `end`, so this does nothing then. Only sampled requests pay for the listener.
      reply.raw.once('close', () => finish(request, undefined));
      context.with(active, done);
    },
    end: finish,
  };
}
