import assert from 'node:assert/strict';
import { isSafeRequestId, resolveRequestId } from '../src/http/request-id.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ID', () => {
  describe('isSafeRequestId / resolveRequestId', () => {
    it('accepts 1-128 characters of [A-Za-z0-9._-]', () => {
      for (const id of ['a', 'abc-DEF_123.x', 'x'.repeat(128), '0f8fad5b-d9cb-469f-a165-70867728950e']) {
        assert.equal(isSafeRequestId(id), true, id);
        assert.equal(resolveRequestId(id), id);
      }
    });
    it('replaces unsafe, oversized, empty or repeated headers with a fresh UUID', () => {
      for (const id of ['', 'x'.repeat(129), 'has space', 'a/b', '<script>', 'semi;colon', 'quote"', 'ünï']) {
        assert.equal(isSafeRequestId(id), false, id);
        assert.match(resolveRequestId(id), UUID);
      }
      assert.match(resolveRequestId(undefined), UUID);
      assert.match(resolveRequestId(['a', 'b']), UUID);
    });
  });

  describe('on the wire', () => {
    let service: TestApp;
    before(async () => {
      service = await startTestApp();
    });
    after(() => service.close());

    it('echoes a safe incoming X-Request-ID and binds it to the request log lines', async () => {
      const response = await fetch(`${service.baseUrl}/api/v1/items/`, { headers: { 'x-request-id': 'trace-me.42' } });
      assert.equal(response.headers.get('x-request-id'), 'trace-me.42');
      const lines = service.logs.lines().filter((line) => line.request_id === 'trace-me.42');
      assert.deepEqual(lines.map((line) => line.event), ['request_started', 'request_completed']);
    });

    it('replaces an unsafe X-Request-ID with a generated UUID and never logs the unsafe value', async () => {
      const unsafe = 'x'.repeat(129);
      const response = await fetch(`${service.baseUrl}/api/v1/items/`, { headers: { 'x-request-id': unsafe } });
      const echoed = response.headers.get('x-request-id') ?? '';
      assert.match(echoed, UUID);
      assert.ok(!service.logs.text().includes(unsafe));
      assert.equal(service.logs.events('request_completed').at(-1)?.request_id, echoed);
    });

    it('generates an ID when none is sent, also on 404 responses', async () => {
      const response = await fetch(`${service.baseUrl}/no/such/route`);
      assert.equal(response.status, 404);
      const echoed = response.headers.get('x-request-id') ?? '';
      assert.match(echoed, UUID);
      assert.equal(((await response.json()) as { request_id: string }).request_id, echoed);
    });
  });
});
