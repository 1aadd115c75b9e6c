import type { DiagLogger } from '@opentelemetry/api';
import type { Logger } from '../logging/logger.js';

/** Routes OpenTelemetry's own warnings (for example "collector unreachable") into the JSON log stream. */
export function diagLoggerFor(logger: Logger): DiagLogger {
  const log = logger.child({ logger: 'otel' });
  const write = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string) =>
    log[level]({ detail: String(message).slice(0, 500) }, 'otel_diagnostic');
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug'), verbose: write('debug') };
}
