import assert from 'node:assert/strict';
import { InMemoryItemRepository } from '../src/items/memory-repository.js';
import { postItem, startTestApp, type TestApp } from './support/test-app.js';

describe('protection: body limit, security headers, load shedding, error shape', () => {
  describe('with default thresholds', () => {
    let service: TestApp;
    before(async () => {
      service = await startTestApp({ env: { BODY_LIMIT_BYTES: '2048' } });
    });
    after(() => service.close());

    it('rejects a body over BODY_LIMIT_BYTES with 413 payload_too_large', async () => {
      const response = await postItem(service.baseUrl, { name: 'x', description: 'd'.repeat(4000), price: 1 });
      assert.equal(response.status, 413);
      const body = (await response.json()) as { error: string; request_id: string };
      assert.equal(body.error, 'payload_too_large');
      assert.equal(body.request_id, response.headers.get('x-request-id'));
    });

    it('sets the API security headers on JSON answers, errors included: nothing may load and nothing may frame them', async () => {
      for (const response of [await fetch(`${service.baseUrl}/api/v1/items/`), await fetch(`${service.baseUrl}/api/v1/items/%ZZ`)]) {
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(response.headers.get('x-frame-options'), 'DENY');
        assert.equal(response.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none'");
        assert.equal(response.headers.get('cross-origin-resource-policy'), 'same-origin');
        assert.match(response.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
        assert.equal(response.headers.get('x-powered-by'), null);
      }
    });

    it("gives the /docs page helmet's page policy, which lets it load its own scripts and styles", async () => {
      const response = await fetch(`${service.baseUrl}/docs/static/index.html`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'.*script-src 'self'/);
      assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    });

    it('answers unknown routes with 404 in the common error shape', async () => {
      const response = await fetch(`${service.baseUrl}/api/v2/things`, { method: 'PUT' });
      assert.equal(response.status, 404);
      const body = (await response.json()) as Record<string, string>;
      assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'request_id']);
      assert.equal(body.message, 'Route PUT /api/v2/things not found');
    });

  });

  describe('when the store fails', () => {
    it('answers 500 internal_error without the cause or a stack, and logs request_failed at error', async () => {
      const broken = new InMemoryItemRepository(10);
      broken.list = async () => {
        throw new Error('connection reset by db-host-7 at /srv/app/store.ts:10');
      };
      const service = await startTestApp({ repository: broken });
      try {
        const response = await fetch(`${service.baseUrl}/api/v1/items/`);
        assert.equal(response.status, 500);
        const body = (await response.json()) as Record<string, string>;
        assert.deepEqual(body, { error: 'internal_error', message: 'Internal server error', request_id: response.headers.get('x-request-id') });
        const failed = service.logs.events('request_failed');
        assert.equal(failed.length, 1);
        assert.equal(failed[0]?.level, 'error');
        assert.equal(failed[0]?.request_id, body.request_id);
      } finally {
        await service.close();
      }
    });
  });

  describe('when under pressure', () => {
    let service: TestApp;
    before(async () => {
      // A 1-byte heap ceiling is always exceeded: shedding becomes certain after the first sample.
      service = await startTestApp({ loadShedding: { maxHeapUsedBytes: 1, sampleInterval: 5, warmupSeconds: 0 } });
    });
    after(() => service.close());

    it('sheds API requests with 503 overloaded and Retry-After, but keeps probes answering', async () => {
      let response = await fetch(`${service.baseUrl}/api/v1/items/`);
      for (let attempt = 0; attempt < 100 && response.status !== 503; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        response = await fetch(`${service.baseUrl}/api/v1/items/`);
      }
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '10');
      const body = (await response.json()) as { error: string; request_id: string };
      assert.equal(body.error, 'overloaded');
      assert.equal(body.request_id, response.headers.get('x-request-id'));
      assert.equal((await fetch(`${service.baseUrl}/health`)).status, 200, 'liveness is never shed');
    });

    it('counts each shed request by its pressure type in http_requests_shed_total', async () => {
      const shedBefore = service.logs.events('load_shed').length;
      for (let request = 0; request < 3; request += 1) assert.equal((await fetch(`${service.baseUrl}/api/v1/items/`)).status, 503);
      const shed = service.logs.events('load_shed').length;
      assert.equal(shed - shedBefore, 3);
      // Which overload a request was shed for is the sampler's verdict (the heap ceiling here, the event loop's
      // delay too on a busy machine): the counter must agree with the load_shed lines, type by type.
      const byType = new Map<string, number>();
      for (const line of service.logs.events('load_shed')) byType.set(String(line.pressure_type), (byType.get(String(line.pressure_type)) ?? 0) + 1);
      const exposition = await (await fetch(`${service.baseUrl}/metrics`)).text();
      const series = exposition.match(/^http_requests_shed_total\{.*$/gm) ?? [];
      assert.deepEqual(
        [...series].sort(),
        [...byType].map(([type, count]) => `http_requests_shed_total{pressure_type="${type}"} ${count}`).sort(),
      );
    });
  });
});
