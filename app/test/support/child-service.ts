import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The compiled entry point: these tests run the built service exactly as `npm start` does. */
export const SERVICE_ENTRY = resolve(__dirname, '../../src/main.js');

export type LogLine = Record<string, unknown>;

export interface ChildService {
  process: ChildProcess;
  baseUrl: string;
  port: number;
  /** Every stdout line so far, parsed when it is JSON. */
  lines: LogLine[];
  rawLines: string[];
  /** Resolves with the nth (default first) line of this event, as soon as it has been written. */
  waitForEvent(event: string, timeoutMs?: number, nth?: number): Promise<LogLine>;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** Every child still running; the root hooks (support/root-hooks.ts) kill them after each test. */
const running = new Set<ChildProcess>();

/** Kills (SIGKILL) every child service a test started and did not stop, and waits until each is gone. */
export async function killChildServices(): Promise<number> {
  const left = [...running];
  await Promise.all(
    left.map(
      (child) =>
        new Promise<void>((done) => {
          child.once('close', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
  return left.length;
}

// Last resort if mocha exits with a child still running (for example on a crash): never leave one behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function spawnEntry(env: Record<string, string>): ChildProcess {
  // A clean environment: nothing from the developer's shell (API_KEY, VAULT_*) leaks into the test.
  const child = spawn(process.execPath, [SERVICE_ENTRY], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export async function runServiceToExit(env: Record<string, string>, timeoutMs = 15_000): Promise<{ exitCode: number | null; stdoutLines: string[]; stderr: string }> {
  const child = spawnEntry(env);
  const stdoutLines: string[] = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => stdoutLines.push(line));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exitCode = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  clearTimeout(timer);
  return { exitCode, stdoutLines, stderr };
}

/** Starts the built service on an ephemeral port and resolves once it logged application_started. */
export async function startChildService(env: Record<string, string>): Promise<ChildService> {
  const child = spawnEntry({ APP_PORT: '0', APP_HOST: '127.0.0.1', ...env });
  const lines: LogLine[] = [];
  const rawLines: string[] = [];
  const waiters: Array<{ event: string; nth: number; resolve: (line: LogLine) => void }> = [];
  const nthLine = (event: string, nth: number) => lines.filter((line) => line.event === event)[nth - 1];
  createInterface({ input: child.stdout! }).on('line', (raw) => {
    rawLines.push(raw);
    let line: LogLine;
    try {
      line = JSON.parse(raw) as LogLine;
    } catch {
      return;
    }
    lines.push(line);
    for (const waiter of waiters.filter((candidate) => candidate.event === line.event && nthLine(candidate.event, candidate.nth) !== undefined)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));

  const waitForEvent = (event: string, timeoutMs = 10_000, nth = 1): Promise<LogLine> => {
    const seen = nthLine(event, nth);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<LogLine>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${event}" log line #${nth} within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      waiters.push({
        event,
        nth,
        resolve: (line) => {
          clearTimeout(timer);
          resolvePromise(line);
        },
      });
      void exited.then(() => reject(new Error(`service exited before "${event}"; stderr: ${stderr}; stdout: ${rawLines.join('\n')}`)));
    });
  };

  const started = await waitForEvent('application_started');
  const port = Number(started.port);
  return {
    process: child,
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    lines,
    rawLines,
    waitForEvent,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
