import type { FastifyInstance } from 'fastify';
import { ApiKeyGuard } from '../auth/api-key-guard.js';
import { nodeFileAccess, type AppConfig } from '../config/load.js';
import { Readiness } from '../health/readiness.js';
import { InMemoryItemRepository } from '../items/memory-repository.js';
import type { ItemRepository } from '../items/repository.js';
import { TracedItemRepository } from '../items/traced-repository.js';
import { droppedLogLines, type Logger } from '../logging/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import type { Tracing } from '../telemetry/tracing-handle.js';
import { VaultClient } from '../vault/client.js';
import { VaultSecretManager } from '../vault/secret-manager.js';
import { buildApp } from './app.js';
import { installShutdownHandlers } from './shutdown.js';

export interface RunningService {
  app: FastifyInstance;
  shutdown: (signal: string) => Promise<void>;
}

/** Wires the dependencies from config, starts listening, then starts the Vault loop and signal handling. */
export async function startService(config: AppConfig, logger: Logger, tracing: Tracing): Promise<RunningService> {
  const memory = new InMemoryItemRepository(config.limits.maxItems);
  const repository: ItemRepository = tracing.enabled ? new TracedItemRepository(memory) : memory;
  const metrics = createMetrics(() => repository.count(), () => droppedLogLines(logger));
  const readiness = new Readiness();
  const guard = new ApiKeyGuard(config.staticApiKey, config.vault === undefined && config.environment === 'development');
  const lifecycleLog = logger.child({ logger: 'lifecycle' });

  let vault: VaultSecretManager | undefined;
  if (config.vault !== undefined) {
    const vaultConfig = config.vault;
    // Said once per process: the secret is re-read at every renewal, and the fact does not change.
    let databaseUrlNoted = false;
    vault = new VaultSecretManager({
      client: new VaultClient({
        url: vaultConfig.url,
        timeoutMs: vaultConfig.requestTimeoutMs,
        ...(vaultConfig.namespace === undefined ? {} : { namespace: vaultConfig.namespace }),
        ...(vaultConfig.caCert === undefined ? {} : { ca: vaultConfig.caCert }),
      }),
      auth: vaultConfig.auth,
      mountPoint: vaultConfig.mountPoint,
      secretPath: vaultConfig.secretPath,
      approleMount: vaultConfig.approleMount,
      logger,
      files: nodeFileAccess,
      onLogin: (result) => metrics.vaultLoginsTotal.inc({ result }),
      onSecrets: (secrets) => {
        guard.setKey(secrets.apiKey);
        if (secrets.databaseUrl !== undefined && !databaseUrlNoted) {
          databaseUrlNoted = true;
          lifecycleLog.info('database_url_present_but_unused');
        }
      },
    });
    const manager = vault;
    readiness.addCheck('vault', () => manager.status());
  } else {
    readiness.addCheck('vault', () => 'disabled');
  }
  if (guard.mode() === 'open') {
    lifecycleLog.warn('api_key_not_configured_writes_are_open');
  }

  const app = await buildApp({ config, logger, repository, guard, readiness, metrics, sampleRequest: tracing.sampleRequest });
  await app.listen({ host: config.host, port: config.port, listenTextResolver: () => 'server_listening' });
  vault?.start();

  const shutdown = installShutdownHandlers({
    app,
    readiness,
    logger,
    delaySeconds: config.shutdown.delaySeconds,
    drainSeconds: config.shutdown.drainSeconds,
    timeoutSeconds: config.shutdown.timeoutSeconds,
    cleanups: [
      { name: 'vault', run: async () => vault?.stop() },
      { name: 'tracing', run: () => tracing.shutdown() },
    ],
  });
  const address = app.server.address();
  lifecycleLog.info(
    { port: typeof address === 'object' && address !== null ? address.port : config.port, vault: config.vault !== undefined, tracing: tracing.enabled },
    'application_started',
  );
  return { app, shutdown };
}
