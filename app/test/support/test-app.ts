import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ApiKeyGuard } from '../../src/auth/api-key-guard.js';
import { loadConfig, type AppConfig } from '../../src/config/load.js';
import { Readiness } from '../../src/health/readiness.js';
import type { LoadSheddingOptions } from '../../src/http/protection.js';
import { InMemoryItemRepository } from '../../src/items/memory-repository.js';
import type { ItemRepository } from '../../src/items/repository.js';
import { createLogger } from '../../src/logging/logger.js';
import { createMetrics, type AppMetrics } from '../../src/metrics/metrics.js';
import { buildApp } from '../../src/server/app.js';
import { LogCapture } from './log-capture.js';

export const TEST_API_KEY = 'test-api-key-0123456789abcdef';

export interface TestApp {
  app: FastifyInstance;
  baseUrl: string;
  port: number;
  config: AppConfig;
  logs: LogCapture;
  metrics: AppMetrics;
  readiness: Readiness;
  guard: ApiKeyGuard;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Overrides the guard built from config (e.g. a Vault-mode guard that is still waiting for secrets). */
  guard?: ApiKeyGuard;
  loadShedding?: LoadSheddingOptions;
  repository?: ItemRepository;
}

/** The real application on 127.0.0.1 and an ephemeral port, with its logs captured in memory. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({ API_KEY: TEST_API_KEY, LOG_LEVEL: 'debug', ...options.env });
  const logs = new LogCapture();
  const logger = createLogger(
    { service: config.name, version: config.version, environment: config.environment, level: config.log.level, format: 'json', withTraceContext: false },
    logs,
  );
  const repository = options.repository ?? new InMemoryItemRepository(config.limits.maxItems);
  const metrics = createMetrics(() => repository.count());
  const readiness = new Readiness();
  readiness.addCheck('vault', () => 'disabled');
  const guard = options.guard ?? new ApiKeyGuard(config.staticApiKey, config.environment === 'development');
  const app = await buildApp({ config, logger, repository, guard, readiness, metrics, ...(options.loadShedding ? { loadShedding: options.loadShedding } : {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${port}`, port, config, logs, metrics, readiness, guard, close: () => app.close() };
}

export const authorization = { authorization: `Bearer ${TEST_API_KEY}` };
export const authHeaders = { ...authorization, 'content-type': 'application/json' };

export async function postItem(baseUrl: string, body: unknown, headers: Record<string, string> = authHeaders): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/items/`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
