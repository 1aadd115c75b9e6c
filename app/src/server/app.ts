import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ApiKeyGuard } from '../auth/api-key-guard.js';
import type { AppConfig } from '../config/load.js';
import type { Readiness } from '../health/readiness.js';
import { registerErrorHandlers } from '../http/error-handler.js';
import { registerObservabilityHooks } from '../http/observability.js';
import { registerOpenApi } from '../http/openapi.js';
import { registerProtection, type LoadSheddingOptions } from '../http/protection.js';
import { REQUEST_ID_HEADER, resolveRequestId } from '../http/request-id.js';
import '../http/route-kind.js';
import { validatorCompiler } from '../http/validation.js';
import type { ItemRepository } from '../items/repository.js';
import { itemSchema } from '../items/schemas.js';
import type { Logger } from '../logging/logger.js';
import type { AppMetrics } from '../metrics/metrics.js';
import { healthRoutes } from '../routes/health.js';
import { itemRoutes } from '../routes/items.js';
import { metricsRoutes } from '../routes/metrics.js';

export interface AppDependencies {
  config: AppConfig;
  logger: Logger;
  repository: ItemRepository;
  guard: ApiKeyGuard;
  readiness: Readiness;
  metrics: AppMetrics;
  /** Overrides the load-shedding thresholds derived from config (tests force shedding this way). */
  loadShedding?: LoadSheddingOptions;
}

export const ITEMS_PREFIX = '/api/v1/items';

/** Builds the whole HTTP application without listening, so tests and the server share one construction path. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger at run time; the cast only narrows the generic.
    loggerInstance: deps.logger.child({ logger: 'http' }) as FastifyBaseLogger,
    // Fastify's own access log is replaced by request_completed (see http/observability.ts).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: (request) => resolveRequestId(request.headers[REQUEST_ID_HEADER]),
    bodyLimit: config.limits.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true },
    // Idle keep-alive sockets are closed on shutdown; in-flight requests finish first.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  // The API speaks JSON only; anything else is answered with 415 instead of reaching validation as a string.
  app.removeContentTypeParser('text/plain');
  // Shared schemas live at the root: an addSchema inside a plugin gives that plugin a fresh schema controller
  // that silently drops the custom validator compiler (and with it, strict body typing).
  app.addSchema(itemSchema);

  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    // Once shutdown began, clients are asked to drop their keep-alive connection and reconnect elsewhere.
    if (deps.readiness.isShuttingDown()) reply.header('connection', 'close');
    done();
  });
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), internal: true };
  });

  registerObservabilityHooks(app, deps.metrics);
  registerErrorHandlers(app);
  await registerProtection(app, {
    maxEventLoopDelay: config.limits.maxEventLoopDelayMs,
    maxEventLoopUtilization: config.limits.maxEventLoopUtilization,
    ...deps.loadShedding,
  });
  await registerOpenApi(app, { title: config.name, version: config.version, exposeUi: config.docsEnabled });

  const identity = { service: config.name, version: config.version, environment: config.environment };
  await app.register(healthRoutes, { readiness: deps.readiness, identity });
  await app.register(metricsRoutes, { registry: deps.metrics.registry });
  await app.register(itemRoutes, { prefix: ITEMS_PREFIX, repository: deps.repository, guard: deps.guard, metrics: deps.metrics });
  return app;
}
