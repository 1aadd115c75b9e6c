import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('health and readiness endpoints', () => {
  let service: TestApp;
  beforeEach(async () => {
    service = await startTestApp({ env: { APP_NAME: 'items-api', APP_VERSION: '1.2.3', APP_ENV: 'staging' } });
  });
  afterEach(() => service.close());

  it('GET /health answers 200 with status, service, version and environment', async () => {
    const response = await fetch(`${service.baseUrl}/health`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'healthy', service: 'items-api', version: '1.2.3', environment: 'staging' });
  });

  it('GET /ready answers 200 "ready" with every check "ok" or "disabled"', async () => {
    const response = await fetch(`${service.baseUrl}/ready`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ready', checks: { config: 'ok', shutdown: 'ok', vault: 'disabled' } });
  });

  it('GET /ready answers 503 "not_ready" naming the failed check when Vault login failed', async () => {
    service.readiness.addCheck('vault', () => 'login_failed: POST /v1/auth/approle/login: HTTP 400: invalid role or secret ID');
    const response = await fetch(`${service.baseUrl}/ready`);
    assert.equal(response.status, 503);
    const body = (await response.json()) as { status: string; checks: Record<string, string> };
    assert.equal(body.status, 'not_ready');
    assert.match(body.checks.vault ?? '', /^login_failed: .*invalid role or secret ID$/);
    assert.equal(body.checks.shutdown, 'ok');
  });

  it('GET /ready answers 503 with checks.shutdown "shutting_down" once shutdown began, while /health stays 200', async () => {
    service.readiness.markShuttingDown();
    const ready = await fetch(`${service.baseUrl}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { checks: Record<string, string> }).checks.shutdown, 'shutting_down');
    assert.equal((await fetch(`${service.baseUrl}/health`)).status, 200);
  });

  it('probe requests are logged at debug level only', async () => {
    await fetch(`${service.baseUrl}/health`);
    await fetch(`${service.baseUrl}/ready`);
    const probeLines = service.logs.lines().filter((line) => line.route === '/health' || line.route === '/ready');
    assert.ok(probeLines.length >= 2);
    assert.ok(probeLines.every((line) => line.level === 'debug'));
  });
});
