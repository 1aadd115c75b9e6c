import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ApiKeyGuard } from '../auth/api-key-guard.js';
import type { AppConfig } from '../config/load.js';
import type { Readiness } from '../health/readiness.js';
import { clientErrorHandler } from '../http/client-errors.js';
import { frameworkErrorHandler, registerErrorHandlers } from '../http/error-handler.js';
import { MethodIndex } from '../http/method-index.js';
import { createResponseRecorder, registerObservabilityHooks } from '../http/observability.js';
import { registerOpenApi } from '../http/openapi.js';
import { heapThresholdBytes, registerProtection, type LoadSheddingOptions } from '../http/protection.js';
import { REQUEST_ID_HEADER, resolveRequestId } from '../http/request-id.js';
import { hookList } from '../http/route-hooks.js';
import { routeLabel } from '../http/route-kind.js';
import { documentHeaders, standardHeaders } from '../http/standard-headers.js';
import { validatorCompiler } from '../http/validation.js';
import type { ItemRepository } from '../items/repository.js';
import { itemSchema } from '../items/schemas.js';
import { LazyChildLogger } from '../logging/lazy-child.js';
import type { Logger } from '../logging/logger.js';
import type { AppMetrics } from '../metrics/metrics.js';
import { healthRoutes } from '../routes/health.js';
import { itemRoutes } from '../routes/items.js';
import { metricsRoutes } from '../routes/metrics.js';
import { registerRequestTracing } from '../telemetry/request-tracing.js';
import type { RequestSampler } from '../telemetry/sampler-settings.js';
import { HTTP_TIMEOUTS } from './timeouts.js';

export interface AppDependencies {
  config: AppConfig;
  logger: Logger;
  repository: ItemRepository;
  guard: ApiKeyGuard;
  readiness: Readiness;
  metrics: AppMetrics;
  /** Present when tracing is on: each API request's sampling decision (see telemetry/request-tracing.ts). */
  sampleRequest?: RequestSampler;
  /** Overrides the load-shedding thresholds derived from config (tests force shedding this way). */
  loadShedding?: LoadSheddingOptions;
}

export const ITEMS_PREFIX = '/api/v1/items';

/** Builds the whole HTTP application without listening, so tests and the server share one construction path. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config } = deps;
  const record = createResponseRecorder(deps.logger, deps.metrics);
  const applyHeaders = standardHeaders(() => deps.readiness.isShuttingDown());
  const applyDocumentHeaders = documentHeaders();
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger at run time; the cast only narrows the generic.
    loggerInstance: deps.logger.child({ logger: 'http' }) as FastifyBaseLogger,
    // Fastify's own access log is replaced by request_completed (see http/observability.ts).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: (request) => resolveRequestId(request.headers[REQUEST_ID_HEADER]),
    childLoggerFactory: (logger, bindings, options) => new LazyChildLogger(logger as Logger, bindings, options),
    bodyLimit: config.limits.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true },
    // Idle keep-alive sockets are closed on shutdown; in-flight requests finish first (server/shutdown.ts).
    forceCloseConnections: 'idle',
    // A request that still arrives on an open connection while closing is served (with Connection: close)
    // rather than answered with Fastify's own 503 body: the pod is no longer an endpoint, the client is not
    // to blame, and the answer would not have the common error shape.
    return503OnClosing: false,
    requestTimeout: HTTP_TIMEOUTS.requestTimeoutMs,
    keepAliveTimeout: HTTP_TIMEOUTS.keepAliveTimeoutMs,
    http: {
      headersTimeout: HTTP_TIMEOUTS.headersTimeoutMs,
      requestTimeout: HTTP_TIMEOUTS.requestTimeoutMs,
      connectionsCheckingInterval: HTTP_TIMEOUTS.connectionsCheckingIntervalMs,
    },
    frameworkErrors: frameworkErrorHandler({ applyHeaders, record }),
    clientErrorHandler: clientErrorHandler(record),
  });
  app.setValidatorCompiler(validatorCompiler);
  // The API speaks JSON only; anything else is answered with 415 instead of reaching validation as a string.
  app.removeContentTypeParser('text/plain');
  // Shared schemas live at the root: an addSchema inside a plugin gives that plugin a fresh schema controller
  // that silently drops the custom validator compiler (and with it, strict body typing).
  app.addSchema(itemSchema);

  // One hook for everything every request needs before routing-specific work, tracing included: fewer hook
  // calls per request.
  const tracing = deps.sampleRequest === undefined ? undefined : registerRequestTracing(app, deps.sampleRequest);
  const debugEnabled = deps.logger.isLevelEnabled('debug');
  const shed = await registerProtection(app, {
    maxEventLoopDelay: config.limits.maxEventLoopDelayMs,
    maxEventLoopUtilization: config.limits.maxEventLoopUtilization,
    maxHeapUsedBytes: heapThresholdBytes(config.limits.maxHeapUsedPercent),
    warmupSeconds: config.limits.loadShedWarmupSeconds,
    ...deps.loadShedding,
  }, (pressure) => deps.metrics.requestsShedTotal.inc({ pressure_type: pressure }));
  app.addHook('onRequest', (request, reply, done) => {
    applyHeaders(request, reply);
    if (debugEnabled) request.log.debug({ method: request.method, route: routeLabel(request) }, 'request_started');
    // A shed request is answered, logged and counted, but not traced: an overloaded process spares the tracer.
    if (shed(request, reply)) return;
    if (tracing === undefined) done();
    else tracing.begin(request, reply, done);
  });
  const methods = new MethodIndex();
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) {
      route.config = { ...(route.config ?? {}), internal: true };
      route.onRequest = [...hookList(route.onRequest), applyDocumentHeaders];
    }
    methods.add(route.method, route.url);
  });

  registerObservabilityHooks(app, record, tracing?.end);
  registerErrorHandlers(app, { methods, applyHeaders, record });
  await registerOpenApi(app, { title: config.name, version: config.version, exposeUi: config.docsEnabled });

  const identity = { service: config.name, version: config.version, environment: config.environment };
  await app.register(healthRoutes, { readiness: deps.readiness, identity });
  await app.register(metricsRoutes, { registry: deps.metrics.registry });
  await app.register(itemRoutes, { prefix: ITEMS_PREFIX, repository: deps.repository, guard: deps.guard, metrics: deps.metrics });
  return app;
}
