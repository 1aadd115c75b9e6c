/**
 * Entry point. Order matters: config is validated first (exit 1 with one message on failure), then tracing
 * starts, and only then is the server module loaded, so the instrumentations see node:http and Fastify load.
 */
import { ConfigError, loadConfig, type AppConfig } from './config/load.js';
import { createLogger, type Logger } from './logging/logger.js';
import { noTracing, type Tracing } from './telemetry/tracing-handle.js';

function reportInvalidConfig(error: ConfigError): void {
  const env = process.env;
  const logger = createLogger({
    service: env.APP_NAME ?? 'items-api',
    version: env.APP_VERSION ?? 'unknown',
    environment: env.APP_ENV ?? 'unknown',
    level: 'info',
    format: 'json',
    withTraceContext: false,
  });
  logger.fatal({ logger: 'config', problems: error.problems, message: error.message }, 'config_invalid');
}

async function startTracingIfEnabled(config: AppConfig, logger: Logger): Promise<Tracing> {
  if (!config.tracing.enabled) return noTracing;
  const { startTracing } = await import('./telemetry/tracing.js');
  const { diagLoggerFor } = await import('./telemetry/diag-logger.js');
  return startTracing(
    {
      serviceName: config.tracing.serviceName,
      serviceVersion: config.version,
      environment: config.environment,
      endpoint: config.tracing.endpoint,
      sampler: config.tracing.sampler,
    },
    diagLoggerFor(logger),
  );
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportInvalidConfig(error);
    process.exitCode = 1;
    return;
  }
  const logger = createLogger({
    service: config.name,
    version: config.version,
    environment: config.environment,
    level: config.log.level,
    format: config.log.format,
    withTraceContext: config.tracing.enabled,
  });
  logger.info(
    { logger: 'lifecycle', port: config.port, vault: config.vault !== undefined, tracing: config.tracing.enabled, node: process.version },
    'application_starting',
  );
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ logger: 'lifecycle', reason: String(reason) }, 'unhandled_rejection');
    process.exit(1);
  });

  const tracing = await startTracingIfEnabled(config, logger);
  const { startService } = await import('./server/start.js');
  try {
    await startService(config, logger, tracing);
  } catch (error) {
    logger.fatal({ logger: 'lifecycle', reason: error instanceof Error ? error.message : String(error) }, 'application_start_failed');
    await tracing.shutdown();
    process.exit(1);
  }
}

void main();
