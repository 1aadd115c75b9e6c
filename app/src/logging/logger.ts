import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

export interface LoggerSettings {
  service: string;
  version: string;
  environment: string;
  level: string;
  format: 'json' | 'pretty';
  /** Adds trace_id/span_id of the active span to every line; only worth its cost when tracing is on. */
  withTraceContext: boolean;
}

/** Paths that must never reach a log line in clear text, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  '*.headers.authorization',
  'api_key',
  '*.api_key',
  'jwt_secret',
  '*.jwt_secret',
  'database_url',
  '*.database_url',
  'secret_id',
  '*.secret_id',
  'role_id',
  '*.role_id',
  'token',
  '*.token',
  'client_token',
  '*.client_token',
];

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    messageKey: 'event',
    base: { service: settings.service, version: settings.version, environment: settings.environment },
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    ...(settings.withTraceContext ? { mixin: traceContextFields } : {}),
  };
}

function traceContextFields(): Record<string, string> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * The root logger. JSON lines go to stdout (fd 1) synchronously so nothing is lost on exit;
 * `pretty` is for people reading a local terminal.
 */
export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  const options = loggerOptions(settings);
  if (settings.format === 'pretty') {
    const pretty = { messageKey: 'event', timestampKey: 'timestamp', translateTime: 'SYS:HH:MM:ss.l', ignore: 'service,version,environment' };
    return pino(options, pinoPretty(destination === undefined ? pretty : { ...pretty, destination }));
  }
  return pino(options, destination ?? pino.destination({ fd: 1, sync: true }));
}
