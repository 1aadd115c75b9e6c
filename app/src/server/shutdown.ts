import type { FastifyInstance } from 'fastify';
import type { Readiness } from '../health/readiness.js';
import type { Logger } from '../logging/logger.js';
import { sleep } from '../vault/backoff.js';

const IDLE_SWEEP_MS = 100;

export interface ShutdownOptions {
  app: FastifyInstance;
  readiness: Readiness;
  logger: Logger;
  delaySeconds: number;
  timeoutSeconds: number;
  /** Run after the server closed, in order: stop Vault renewals, flush telemetry. */
  cleanups: Array<{ name: string; run: () => Promise<void> }>;
  exit?: (code: number) => void;
}

/**
 * Graceful shutdown for Kubernetes: readiness fails at once, then the service keeps serving for
 * SHUTDOWN_DELAY_SECONDS while endpoints drop the pod, then stops accepting connections, lets in-flight
 * requests finish (idle keep-alive sockets are closed), flushes telemetry and exits 0. A watchdog exits 1
 * if any of that hangs, well inside the 30 s termination grace period.
 */
export function installShutdownHandlers(options: ShutdownOptions): (signal: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started = false;

  const shutdown = async (signal: string): Promise<void> => {
    if (started) return;
    started = true;
    const log = options.logger.child({ logger: 'lifecycle' });
    options.readiness.markShuttingDown();
    log.info({ signal, delay_seconds: options.delaySeconds }, 'application_shutting_down');
    const watchdog = setTimeout(() => {
      log.error({ timeout_seconds: options.timeoutSeconds }, 'shutdown_timed_out');
      exit(1);
    }, (options.delaySeconds + options.timeoutSeconds) * 1000);
    watchdog.unref();

    await sleep(options.delaySeconds * 1000);
    // close() closes the connections idle at that moment; a keep-alive connection whose request is still in
    // flight turns idle later and would hold close() open until the keep-alive timeout, so keep sweeping.
    const sweeper = setInterval(() => options.app.server.closeIdleConnections(), IDLE_SWEEP_MS);
    await options.app.close();
    clearInterval(sweeper);
    for (const cleanup of options.cleanups) {
      await cleanup.run().catch((error: unknown) => log.warn({ step: cleanup.name, reason: String(error) }, 'shutdown_step_failed'));
    }
    clearTimeout(watchdog);
    log.info('application_stopped');
    exit(0);
  };

  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return shutdown;
}
