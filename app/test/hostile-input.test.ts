import assert from 'node:assert/strict';
import { MAX_PRICE } from '../src/items/schemas.js';
import { RawConnection, type RawResponse } from './support/raw-http.js';
import { postItem, startTestApp, TEST_API_KEY, type TestApp } from './support/test-app.js';

interface ErrorJson {
  error: string;
  message: string;
  request_id: string;
}

function assertErrorShape(status: number, headers: { get(name: string): string | null }, text: string, expectedStatus: number, code: string): ErrorJson {
  assert.equal(status, expectedStatus, text);
  const body = JSON.parse(text) as ErrorJson;
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'request_id']);
  assert.equal(body.error, code);
  assert.equal(body.request_id, headers.get('x-request-id'));
  return body;
}

async function expectError(response: Response, status: number, code: string): Promise<ErrorJson> {
  return assertErrorShape(response.status, response.headers, await response.text(), status, code);
}

function expectRawError(response: RawResponse | undefined, status: number, code: string): ErrorJson {
  assert.ok(response, 'a response arrived');
  return assertErrorShape(response.status, { get: (name) => response.headers[name] ?? null }, response.body, status, code);
}

/** The logged request_completed line and the http_requests_total sample of a request ID and status. */
async function assertLoggedAndCounted(service: TestApp, requestId: string, method: string, status: number): Promise<void> {
  const line = service.logs.events('request_completed').find((entry) => entry.request_id === requestId);
  assert.equal(line?.status_code, status, `request_completed logged for ${requestId}`);
  assert.equal(line?.level, 'info');
  const metrics = await service.metrics.registry.getSingleMetricAsString('http_requests_total');
  assert.match(metrics, new RegExp(`http_requests_total\\{method="${method}",route="unmatched",status_code="${status}"\\} 1`));
}

describe('hostile input (real server on an ephemeral port)', () => {
  let service: TestApp;
  beforeEach(async () => {
    service = await startTestApp({ env: { APP_ENV: 'production' } });
  });
  afterEach(() => service.close());

  for (const query of ['offset=1e400', 'offset=Infinity', 'offset=-Infinity', 'offset=1e21', 'offset=NaN', 'offset=2.5', 'limit=1e400', 'limit=Infinity']) {
    it(`GET /api/v1/items/?${query} answers 422, never 500`, async () => {
      await expectError(await fetch(`${service.baseUrl}/api/v1/items/?${query}`), 422, 'validation_error');
      assert.equal(service.logs.events('request_failed').length, 0);
    });
  }

  it('accepts the largest offset and page size, written in exponent form too', async () => {
    const response = await fetch(`${service.baseUrl}/api/v1/items/?offset=1e7&limit=100`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { items: [], total: 0, limit: 100, offset: 10_000_000 });
  });

  it('rejects a price of 1e309 (Infinity after JSON parsing) and one above the maximum; accepts the maximum', async () => {
    await expectError(await postItem(service.baseUrl, '{"name":"inf","price":1e309}'), 422, 'validation_error');
    await expectError(await postItem(service.baseUrl, { name: 'huge', price: MAX_PRICE * 10 }), 422, 'validation_error');
    assert.equal((await postItem(service.baseUrl, { name: 'max', price: MAX_PRICE })).status, 201);
    const list = (await (await fetch(`${service.baseUrl}/api/v1/items/`)).json()) as { items: Array<{ price: number }> };
    assert.deepEqual(list.items.map((item) => item.price), [MAX_PRICE]);
  });

  it('a URL that is not valid percent-encoding answers 400 in the common shape, logged and counted', async () => {
    const response = await fetch(`${service.baseUrl}/api/v1/items/%ZZ`);
    const body = await expectError(response, 400, 'bad_request');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', 'the standard headers are set too');
    await assertLoggedAndCounted(service, body.request_id, 'GET', 400);
  });

  it('an over-long path parameter answers 414 in the common shape, logged and counted', async () => {
    const body = await expectError(await fetch(`${service.baseUrl}/api/v1/items/${'a'.repeat(150)}`), 414, 'uri_too_long');
    await assertLoggedAndCounted(service, body.request_id, 'GET', 414);
  });

  it('a request Node cannot parse answers 400 in the common shape, logged and counted', async () => {
    const [response] = await RawConnection.exchange(service.port, 'GET /api/v1/items/ HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n');
    const body = expectRawError(response, 400, 'bad_request');
    await assertLoggedAndCounted(service, body.request_id, 'UNPARSED', 400);
  });

  it('oversized headers answer 431 in the common shape, logged and counted', async () => {
    const [response] = await RawConnection.exchange(service.port, `GET /api/v1/items/ HTTP/1.1\r\nHost: x\r\nx-big: ${'b'.repeat(20_000)}\r\n\r\n`);
    const body = expectRawError(response, 431, 'headers_too_large');
    await assertLoggedAndCounted(service, body.request_id, 'UNPARSED', 431);
  });

  it('an undeclared method on a known path answers 405 with Allow; an unknown path stays 404', async () => {
    const collection = await fetch(`${service.baseUrl}/api/v1/items/`, { method: 'PUT' });
    assert.equal(collection.headers.get('allow'), 'GET, HEAD, POST');
    await expectError(collection, 405, 'method_not_allowed');
    const one = await fetch(`${service.baseUrl}/api/v1/items/00000000-0000-4000-8000-000000000000`, { method: 'PATCH' });
    assert.equal(one.headers.get('allow'), 'DELETE, GET, HEAD');
    await expectError(one, 405, 'method_not_allowed');
    await expectError(await fetch(`${service.baseUrl}/health`, { method: 'QUERY' }), 405, 'method_not_allowed');
    const probe = await fetch(`${service.baseUrl}/health`, { method: 'POST' });
    assert.equal(probe.headers.get('allow'), 'GET, HEAD');
    await expectError(await fetch(`${service.baseUrl}/api/v2/things`, { method: 'PUT' }), 404, 'not_found');
  });

  it('while closing, a request that still arrives on an open keep-alive connection is served, not answered by the framework', async () => {
    const connection = await RawConnection.open(service.port);
    const body = JSON.stringify({ name: 'in-flight', price: 1 });
    connection.write(
      `POST /api/v1/items/ HTTP/1.1\r\nHost: x\r\nauthorization: Bearer ${TEST_API_KEY}\r\n` +
        `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    // The POST is routed before close() starts; the second request arrives on the same connection after it.
    for (let attempt = 0; attempt < 200 && !service.logs.text().includes('"request_started"'); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    const closed = service.app.close();
    connection.write(body.slice(5));
    await connection.waitForResponses(1);
    connection.write('GET /api/v1/items/ HTTP/1.1\r\nHost: x\r\n\r\n');
    const [created, listed] = await connection.waitForResponses(2);
    assert.equal(created?.status, 201);
    assert.equal(listed?.status, 200, listed?.body);
    assert.equal(listed?.headers.connection, 'close', 'the client is told to reconnect elsewhere');
    connection.destroy();
    await closed;
  });
});
