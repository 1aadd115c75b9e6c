import { Writable } from 'node:stream';

export type LogLine = Record<string, unknown>;

/** A pino destination that keeps every JSON line, parsed, for assertions. */
export class LogCapture extends Writable {
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') this.raw.push(line);
    callback();
  }

  lines(): LogLine[] {
    return this.raw.map((line) => JSON.parse(line) as LogLine);
  }

  events(event: string): LogLine[] {
    return this.lines().filter((line) => line.event === event);
  }

  text(): string {
    return this.raw.join('\n');
  }
}
