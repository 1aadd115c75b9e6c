import type { FastifyInstance } from 'fastify';
import type { Readiness } from '../health/readiness.js';
import type { Logger } from '../logging/logger.js';
import { sleep } from '../vault/backoff.js';

const IDLE_SWEEP_MS = 100;
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface ShutdownOptions {
  app: FastifyInstance;
  readiness: Readiness;
  logger: Logger;
  delaySeconds: number;
  /** How long in-flight requests may take once the listener closed; then every connection left is closed. */
  drainSeconds: number;
  timeoutSeconds: number;
  /** Run after the server closed, in order: stop Vault renewals, flush telemetry. */
  cleanups: Array<{ name: string; run: () => Promise<void> }>;
  exit?: (code: number) => void;
}

/**
 * Graceful shutdown for Kubernetes: readiness fails at once, then the service keeps serving for
 * SHUTDOWN_DELAY_SECONDS while endpoints drop the pod, then stops accepting connections and lets in-flight
 * requests finish for up to SHUTDOWN_DRAIN_SECONDS (idle keep-alive sockets are closed as they turn idle),
 * closes whatever is left (slow or silent clients), flushes telemetry and exits 0. A watchdog exits 1 if any of
 * that hangs, inside the termination grace period. Repeated signals (kubelet, an impatient operator, a process
 * manager) are logged and ignored: the drain already running is the right answer to all of them.
 */
export function installShutdownHandlers(options: ShutdownOptions): (signal: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = options.logger.child({ logger: 'lifecycle' });
  let started = false;

  const shutdown = async (signal: string): Promise<void> => {
    if (started) {
      log.info({ signal }, 'shutdown_signal_ignored_already_draining');
      return;
    }
    started = true;
    options.readiness.markShuttingDown();
    log.info({ signal, delay_seconds: options.delaySeconds, drain_seconds: options.drainSeconds }, 'application_shutting_down');
    const watchdog = setTimeout(() => {
      log.error({ timeout_seconds: options.timeoutSeconds }, 'shutdown_timed_out');
      exit(1);
    }, (options.delaySeconds + options.timeoutSeconds) * 1000);
    watchdog.unref();

    await sleep(options.delaySeconds * 1000);
    const server = options.app.server;
    // close() closes the connections idle at that moment; a keep-alive connection whose request is still in
    // flight turns idle later and would hold close() open until the keep-alive timeout, so keep sweeping.
    const sweeper = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const drainDeadline = setTimeout(() => {
      log.warn({ drain_seconds: options.drainSeconds }, 'shutdown_drain_expired_closing_connections');
      server.closeAllConnections();
    }, options.drainSeconds * 1000);
    await options.app.close();
    clearInterval(sweeper);
    clearTimeout(drainDeadline);
    for (const cleanup of options.cleanups) {
      await cleanup.run().catch((error: unknown) => log.warn({ step: cleanup.name, reason: String(error) }, 'shutdown_step_failed'));
    }
    clearTimeout(watchdog);
    log.info('application_stopped');
    exit(0);
  };

  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => void shutdown(signal));
  return shutdown;
}
