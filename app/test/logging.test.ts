import assert from 'node:assert/strict';
import { createLogger } from '../src/logging/logger.js';
import { startChildService, type LogLine } from './support/child-service.js';
import { LogCapture } from './support/log-capture.js';

const API_KEY = 'stdout-test-api-key-0123456789';
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

describe('logs on the real stdout of the built service', function () {
  this.timeout(20_000);
  let lines: LogLine[];
  let rawLines: string[];

  before(async () => {
    const service = await startChildService({ APP_NAME: 'items-api', APP_VERSION: '9.9.9', APP_ENV: 'staging', API_KEY, SHUTDOWN_DELAY_SECONDS: '0' });
    await fetch(`${service.baseUrl}/api/v1/items/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'x-request-id': 'log-fields-1' },
      body: JSON.stringify({ name: 'logged', price: 1 }),
    });
    await fetch(`${service.baseUrl}/api/v1/items/`, { method: 'POST', headers: { authorization: 'Bearer wrong-key-on-purpose-123', 'content-type': 'application/json' }, body: '{}' });
    await fetch(`${service.baseUrl}/health`);
    await fetch(`${service.baseUrl}/ready`);
    await fetch(`${service.baseUrl}/metrics`);
    assert.equal(await service.stop(), 0);
    lines = service.lines;
    rawLines = service.rawLines;
  });

  it('writes one JSON object per line', () => {
    assert.ok(rawLines.length >= 4);
    for (const raw of rawLines) assert.doesNotThrow(() => JSON.parse(raw), raw);
  });

  it('every line has timestamp (ISO), level (a word), logger, event, service, version and environment', () => {
    for (const line of lines) {
      assert.match(String(line.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(LEVELS.has(String(line.level)), String(line.level));
      assert.equal(typeof line.logger, 'string');
      assert.match(String(line.event), /^[a-z_]+$/);
      assert.equal(line.service, 'items-api');
      assert.equal(line.version, '9.9.9');
      assert.equal(line.environment, 'staging');
      assert.equal(line.trace_id, undefined, 'no trace fields while tracing is off');
    }
  });

  it('logs application_starting, application_started and application_shutting_down', () => {
    const events = lines.map((line) => line.event);
    for (const event of ['application_starting', 'application_started', 'application_shutting_down', 'application_stopped']) {
      assert.ok(events.includes(event), event);
    }
  });

  it('request_completed carries request_id, method, route, status_code and duration_ms', () => {
    const completed = lines.find((line) => line.event === 'request_completed' && line.request_id === 'log-fields-1');
    assert.ok(completed);
    assert.equal(completed.level, 'info');
    assert.equal(completed.logger, 'http');
    assert.equal(completed.method, 'POST');
    assert.equal(completed.route, '/api/v1/items');
    assert.equal(completed.status_code, 201);
    assert.equal(typeof completed.duration_ms, 'number');
  });

  it('does not log probe or scrape requests at info level', () => {
    const probes = lines.filter((line) => ['/health', '/ready', '/metrics'].includes(String(line.route)));
    assert.deepEqual(probes, []);
  });

  it('never writes the API key or a presented bearer token', () => {
    const stdout = rawLines.join('\n');
    assert.ok(!stdout.includes(API_KEY));
    assert.ok(!stdout.includes('wrong-key-on-purpose-123'));
  });
});

describe('logger redaction and formats', () => {
  const settings = { service: 's', version: '1', environment: 'development', level: 'info', withTraceContext: false } as const;

  it('redacts the authorization header and secret fields wherever they are logged', () => {
    const capture = new LogCapture();
    const logger = createLogger({ ...settings, format: 'json' }, capture);
    logger.info(
      {
        headers: { authorization: 'Bearer leaked-token-1' },
        req: { headers: { authorization: 'Bearer leaked-token-2' } },
        secrets: { api_key: 'leaked-key', jwt_secret: 'leaked-jwt', database_url: 'postgres://u:leaked@db' },
        secret_id: 'leaked-secret-id',
        token: 'leaked-vault-token',
      },
      'something_happened',
    );
    const text = capture.text();
    assert.ok(!text.includes('leaked'), text);
    const [line] = capture.lines();
    assert.equal((line?.headers as Record<string, string>).authorization, '[REDACTED]');
    assert.equal((line?.secrets as Record<string, string>).api_key, '[REDACTED]');
  });

  it('LOG_FORMAT=pretty writes readable, non-JSON lines', async () => {
    const capture = new LogCapture();
    const logger = createLogger({ ...settings, format: 'pretty' }, capture);
    logger.info({ logger: 'lifecycle' }, 'application_starting');
    await new Promise((resolve) => setImmediate(resolve));
    const text = capture.raw.join('\n');
    assert.match(text, /INFO.*application_starting/);
    assert.throws(() => JSON.parse(capture.raw[0] ?? ''));
  });
});
