/**
 * npm run bench:app — one run comparing the bare Fastify route with the full service's GET /api/v1/items/
 * (logging, metrics, request ID, security headers, load shedding), tracing off and on.
 * Each server runs in its own process; autocannon drives them one after another from this process.
 * Prints requests/s, p50, p99 and each variant's throughput ratio to the bare route.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '5');
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? '3');
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP ?? '3');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? '10');
const ITEMS = 20;
const API_KEY = 'benchmark-api-key-0123456789';

interface Variant {
  name: string;
  script: string;
  env: Record<string, string>;
}

interface Result {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
}

async function startServer(variant: Variant): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [variant.script], {
    env: { PATH: process.env.PATH ?? '', APP_PORT: '0', APP_HOST: '127.0.0.1', BENCH_ITEMS: String(ITEMS), ...variant.env },
    // Logs are written for real (to a pipe the bench drains), so their cost is part of the measurement.
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.includes('"application_started"')) return;
      // From here on the pipe is drained without parsing, keeping the bench process's own CPU use low.
      lines.close();
      child.stdout!.on('data', () => undefined).resume();
      resolvePort(Number((JSON.parse(line) as { port: number }).port));
    });
    child.once('exit', (code) => reject(new Error(`${variant.name} exited with ${code}`)));
    // application_started is an info line: a variant that logs less would otherwise wait forever.
    setTimeout(() => reject(new Error(`${variant.name} did not log application_started within 30 s`)), 30_000).unref();
  });
  return { child, port };
}

/** Load shedding may answer 503 for the first sample interval after start (start-up work counts as load). */
async function waitUntilServing(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if ((await fetch(`http://127.0.0.1:${port}/api/v1/items/`)).status === 200) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error('the server never answered 200');
}

async function seed(port: number): Promise<void> {
  for (let index = 0; index < ITEMS; index += 1) {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/items/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `item-${index}`, description: 'benchmark item', price: index + 1 }),
    });
    if (response.status !== 201) throw new Error(`seeding failed with ${response.status}`);
  }
}

async function load(port: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}/api/v1/items/`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'x-request-id': 'bench-request' },
  });
}

interface Running {
  variant: Variant;
  child: ChildProcess;
  port: number;
  requests: number;
  seconds: number;
  p50s: number[];
  p99s: number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Rounds are interleaved (bare, off, on, bare, off, on, ...) so that noise from other work on a shared machine
 * spreads over all variants instead of hitting whichever ran at the wrong moment.
 */
async function measureInterleaved(variants: Array<[Variant, boolean]>): Promise<Result[]> {
  const running: Running[] = [];
  try {
    for (const [variant, seedItems] of variants) {
      const { child, port } = await startServer(variant);
      running.push({ variant, child, port, requests: 0, seconds: 0, p50s: [], p99s: [] });
      await waitUntilServing(port);
      if (seedItems) await seed(port);
      await load(port, WARMUP_SECONDS);
    }
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const server of running) {
        const result = await load(server.port, ROUND_SECONDS);
        if (result.non2xx > 0 || result.errors > 0) {
          throw new Error(`${server.variant.name}: ${result.non2xx} non-2xx responses and ${result.errors} errors; the run is not comparable`);
        }
        server.requests += result.requests.total;
        server.seconds += result.duration;
        server.p50s.push(result.latency.p50);
        server.p99s.push(result.latency.p99);
      }
      console.log(`round ${round}/${ROUNDS} done`);
    }
  } finally {
    for (const server of running) server.child.kill('SIGTERM');
    await Promise.all(running.map((server) => new Promise((done) => (server.child.exitCode !== null ? done(undefined) : server.child.once('exit', done)))));
  }
  return running.map((server) => ({
    name: server.variant.name,
    requestsPerSecond: server.requests / server.seconds,
    p50: median(server.p50s),
    p99: median(server.p99s),
  }));
}

/** A collector stand-in that accepts OTLP exports and discards them, so tracing-on pays the real export cost. */
async function startSpanSink(): Promise<{ url: string; close(): void }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('{}'));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

function table(results: Result[]): string {
  const bare = results[0]!.requestsPerSecond;
  const header = ['variant', 'req/s', 'p50 ms', 'p99 ms', 'ratio to bare'];
  const rows = results.map((result) => [
    result.name,
    result.requestsPerSecond.toFixed(0),
    result.p50.toFixed(2),
    result.p99.toFixed(2),
    `${((result.requestsPerSecond / bare) * 100).toFixed(1)}%`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [format(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(format)].join('\n');
}

async function main(): Promise<void> {
  const serviceEntry = resolve(__dirname, '../src/main.js');
  const sink = await startSpanSink();
  // Load shedding stays installed (its per-request check is measured) but its thresholds are off: at saturation
  // it would otherwise answer 503 by design, and the run would measure shedding instead of capacity.
  const fullServiceEnv = {
    API_KEY,
    LOG_LEVEL: 'info',
    SHUTDOWN_DELAY_SECONDS: '0',
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION: '0',
  };
  const tracingEnv = { ...fullServiceEnv, OTEL_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url };
  // Standard OpenTelemetry variables, read by the SDK: the recommended production setting (see docs/service.md).
  const sampledEnv = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' };
  const variants: Array<[Variant, boolean]> = [
    [{ name: 'bare Fastify route', script: resolve(__dirname, 'bare-server.js'), env: {} }, false],
    [{ name: 'full service, tracing off', script: serviceEntry, env: fullServiceEnv }, true],
    [{ name: 'full service, tracing on, 10% sampled', script: serviceEntry, env: { ...tracingEnv, ...sampledEnv } }, true],
    [{ name: 'full service, tracing on, every request', script: serviceEntry, env: tracingEnv }, true],
  ];
  console.log(
    `autocannon: ${CONNECTIONS} connections, ${WARMUP_SECONDS}s warm-up, ${ROUNDS} interleaved rounds of ${ROUND_SECONDS}s per variant, ` +
      `GET /api/v1/items/ with ${ITEMS} items, node ${process.version}, errors and non-2xx: none (a run with any aborts)`,
  );
  const results = await measureInterleaved(variants);
  sink.close();
  console.log(table(results));
  for (const instrumented of results.slice(1)) {
    const ratio = instrumented.requestsPerSecond / results[0]!.requestsPerSecond;
    console.log(`target >= 60% of bare: ${instrumented.name} -> ${(ratio * 100).toFixed(1)}% ${ratio >= 0.6 ? 'MET' : 'NOT MET'}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
