import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import { BatchedWriter } from './batched-stdout.js';

export type { Logger } from 'pino';

export const LOG_BUFFER_BYTES = 16 * 1024;
export const LOG_FLUSH_MS = 250;

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
  // Explicit paths only: wildcard paths made redaction ~10% of the busy CPU in a profile under load.
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'api_key',
  'jwt_secret',
  'database_url',
  'secret_id',
  'role_id',
  'token',
  'client_token',
  'secrets.api_key',
  'secrets.jwt_secret',
  'secrets.database_url',
]

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    messageKey: 'event',
    base: { service: settings.service, version: settings.version, environment: settings.environment },
    timestamp: isoTimestampField,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    ...(settings.withTraceContext ? { mixin: traceContextFields, mixinMergeStrategy: mergeTraceContext } : {}),
  };
}

let lastMs = 0;
let lastField = '';
/** pino's ISO timestamp, formatted once per millisecond: under load many lines share one (a profile showed it). */
function isoTimestampField(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastField = `,"timestamp":"${new Date(now).toISOString()}"`;
  }
  return lastField;
}

/** What the mixin returns for a line written outside any span (every line of an unsampled request). */
const NO_TRACE_CONTEXT: Readonly<Record<string, string>> = Object.freeze({});

function traceContextFields(): Readonly<Record<string, string>> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined) return NO_TRACE_CONTEXT;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** pino's default merge copies every field of the line into the mixin's object; with no trace there is nothing to add. */
function mergeTraceContext(line: object, traceContext: object): object {
  return traceContext === NO_TRACE_CONTEXT ? line : Object.assign(traceContext, line);
}

/**
 * The root logger. JSON lines go to stdout (fd 1); `pretty` is for people reading a local terminal.
 */
export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  const options = loggerOptions(settings);
  if (settings.format === 'pretty') {
    const pretty = { messageKey: 'event', timestampKey: 'timestamp', translateTime: 'SYS:HH:MM:ss.l', ignore: 'service,version,environment' };
    return pino(options, pinoPretty(destination === undefined ? pretty : { ...pretty, destination }));
  }
  // Buffered, asynchronous writes: a profile under load showed a write(2) per line costing ~20% of the busy
  // CPU. Lines are written in batches of at least LOG_BUFFER_BYTES (about 60 access lines, so a busy service
  // pays one write and one thread-pool hand-off per ~60 requests), and at the latest LOG_FLUSH_MS later, so a
  // quiet service still shows its logs promptly; what is left is written synchronously when the process exits.
  if (destination !== undefined) return pino(options, destination);
  const writer = new BatchedWriter(1, LOG_BUFFER_BYTES, LOG_FLUSH_MS);
  const logger = pino(options, writer);
  writer.onDropped = (count) => logger.warn({ dropped_lines: count }, 'log_lines_dropped');
  stdoutWriters.set(logger, writer);
  return logger;
}

const stdoutWriters = new WeakMap<Logger, BatchedWriter>();

/** Lines the root logger's stdout writer dropped because stdout did not keep up (0 for any other destination). */
export function droppedLogLines(logger: Logger): number {
  return stdoutWriters.get(logger)?.droppedLines ?? 0;
}
