import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level } from 'pino';

/**
 * The per-request logger Fastify asks for on every request (`request.log`, bound to the request ID). A profile
 * showed creating a pino child per request costing more than the one line most requests write; the access log
 * line is written through the root logger with the request ID as a field (http/observability.ts), so the child
 * is created only when a request really logs something else (an error, a shed request, debug lines).
 */
export class LazyChildLogger implements FastifyBaseLogger {
  private instance: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger & { isLevelEnabled(level: string): boolean },
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private real(): FastifyBaseLogger {
    this.instance ??= this.parent.child(this.bindings, this.options);
    return this.instance;
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.parent.isLevelEnabled(level)) return;
    (this.real()[level] as (...rest: unknown[]) => void)(...args);
  }

  get level(): string {
    return this.instance?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  // Prototype methods, not arrow-function fields: a logger is made per request, closures would be too.
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }
}
