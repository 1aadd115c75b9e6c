import assert from 'node:assert/strict';
import { ApiKeyGuard } from '../src/auth/api-key-guard.js';
import { authHeaders, authorization, postItem, startTestApp, TEST_API_KEY, type TestApp } from './support/test-app.js';

interface ErrorJson {
  error: string;
  message: string;
  request_id: string;
}

async function expectError(response: Response, status: number, code: string): Promise<ErrorJson> {
  assert.equal(response.status, status);
  const body = (await response.json()) as ErrorJson;
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'request_id']);
  assert.equal(body.error, code);
  assert.equal(body.request_id, response.headers.get('x-request-id'));
  assert.doesNotMatch(body.message, /\n\s+at /, 'no stack trace in the message');
  return body;
}

describe('Items API (real server on an ephemeral port)', () => {
  let service: TestApp;
  beforeEach(async () => {
    service = await startTestApp({ env: { ITEMS_MAX_COUNT: '5' } });
  });
  afterEach(() => service.close());

  it('POST creates an item: 201, Location header, and the stored fields', async () => {
    const response = await postItem(service.baseUrl, { name: 'Widget', description: 'A widget', price: 9.5 });
    assert.equal(response.status, 201);
    const item = (await response.json()) as Record<string, unknown>;
    assert.match(String(item.id), /^[0-9a-f-]{36}$/);
    assert.equal(item.name, 'Widget');
    assert.equal(item.description, 'A widget');
    assert.equal(item.price, 9.5);
    assert.ok(!Number.isNaN(Date.parse(String(item.created_at))));
    assert.equal(response.headers.get('location'), `/api/v1/items/${item.id}`);
  });

  it('GET /{id} returns 200 with the item, DELETE returns 204, then GET returns 404 "Item not found"', async () => {
    const created = (await (await postItem(service.baseUrl, { name: 'Gadget', price: 1 })).json()) as { id: string };
    const fetched = await fetch(`${service.baseUrl}/api/v1/items/${created.id}`);
    assert.equal(fetched.status, 200);
    assert.equal(((await fetched.json()) as { name: string }).name, 'Gadget');

    const deleted = await fetch(`${service.baseUrl}/api/v1/items/${created.id}`, { method: 'DELETE', headers: authorization });
    assert.equal(deleted.status, 204);
    assert.equal(await deleted.text(), '');

    const gone = await expectError(await fetch(`${service.baseUrl}/api/v1/items/${created.id}`), 404, 'not_found');
    assert.equal(gone.message, 'Item not found');
    await expectError(await fetch(`${service.baseUrl}/api/v1/items/${created.id}`, { method: 'DELETE', headers: authorization }), 404, 'not_found');
  });

  it('GET / paginates with limit and offset and reports the total', async () => {
    for (const name of ['a', 'b', 'c', 'd']) assert.equal((await postItem(service.baseUrl, { name, price: 1 })).status, 201);
    const page = (await (await fetch(`${service.baseUrl}/api/v1/items/?limit=2&offset=1`)).json()) as {
      items: Array<{ name: string }>;
      total: number;
      limit: number;
      offset: number;
    };
    assert.deepEqual(page.items.map((item) => item.name), ['b', 'c']);
    assert.equal(page.total, 4);
    assert.equal(page.limit, 2);
    assert.equal(page.offset, 1);
    const noSlash = (await (await fetch(`${service.baseUrl}/api/v1/items`)).json()) as { items: unknown[]; limit: number };
    assert.equal(noSlash.items.length, 4);
    assert.equal(noSlash.limit, 20, 'default page size');
  });

  const invalidBodies: Array<[string, unknown]> = [
    ['an empty name', { name: '', price: 1 }],
    ['a 256-character name', { name: 'x'.repeat(256), price: 1 }],
    ['a 1001-character description', { name: 'ok', description: 'd'.repeat(1001), price: 1 }],
    ['price 0', { name: 'ok', price: 0 }],
    ['a negative price', { name: 'ok', price: -3 }],
    ['price as a string', { name: 'ok', price: '12' }],
    ['name as a number', { name: 123, price: 1 }],
    ['a missing name', { price: 1 }],
    ['a missing price', { name: 'ok' }],
    ['an unknown field', { name: 'ok', price: 1, colour: 'red' }],
    ['a JSON array', [1, 2]],
  ];
  for (const [label, body] of invalidBodies) {
    it(`POST rejects ${label} with 422 validation_error`, async () => {
      await expectError(await postItem(service.baseUrl, body), 422, 'validation_error');
      const list = (await (await fetch(`${service.baseUrl}/api/v1/items/`)).json()) as { total: number };
      assert.equal(list.total, 0, 'nothing was stored');
    });
  }

  it('POST accepts the boundary values: 255-character name, 1000-character description, tiny positive price', async () => {
    const response = await postItem(service.baseUrl, { name: 'n'.repeat(255), description: 'd'.repeat(1000), price: 0.01 });
    assert.equal(response.status, 201);
  });

  it('POST with malformed JSON answers 422 malformed_json in the common error shape', async () => {
    const body = await expectError(await postItem(service.baseUrl, '{"name": "x", '), 422, 'malformed_json');
    assert.equal(body.message, 'Request body is not valid JSON');
  });

  it('POST with a non-JSON content type answers 415', async () => {
    await expectError(
      await postItem(service.baseUrl, 'name=x', { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
  });

  const invalidQueries = ['limit=101', 'limit=0', 'offset=-1', 'limit=abc'];
  for (const query of invalidQueries) {
    it(`GET / rejects ${query} with 422`, async () => {
      await expectError(await fetch(`${service.baseUrl}/api/v1/items/?${query}`), 422, 'validation_error');
    });
  }

  it('GET and DELETE reject an id that is not a UUID with 422', async () => {
    await expectError(await fetch(`${service.baseUrl}/api/v1/items/not-a-uuid`), 422, 'validation_error');
    await expectError(await fetch(`${service.baseUrl}/api/v1/items/123`, { method: 'DELETE', headers: authorization }), 422, 'validation_error');
  });

  it('writes without a bearer token, or with a wrong one, answer 401 with WWW-Authenticate', async () => {
    const missing = await postItem(service.baseUrl, { name: 'x', price: 1 }, { 'content-type': 'application/json' });
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    await expectError(missing, 401, 'unauthorized');
    await expectError(
      await postItem(service.baseUrl, { name: 'x', price: 1 }, { authorization: 'Bearer wrong-key-wrong-key', 'content-type': 'application/json' }),
      401,
      'unauthorized',
    );
    await expectError(
      await fetch(`${service.baseUrl}/api/v1/items/00000000-0000-4000-8000-000000000000`, { method: 'DELETE' }),
      401,
      'unauthorized',
    );
  });

  it('reads need no credentials', async () => {
    assert.equal((await fetch(`${service.baseUrl}/api/v1/items/`)).status, 200);
  });

  it('a full store answers 507 store_full instead of growing without bound', async () => {
    for (let index = 0; index < 5; index += 1) assert.equal((await postItem(service.baseUrl, { name: `i${index}`, price: 1 })).status, 201);
    await expectError(await postItem(service.baseUrl, { name: 'one too many', price: 1 }), 507, 'store_full');
  });
});

describe('Items API write authorization modes', () => {
  it('in development with no key configured, writes are open', async () => {
    const service = await startTestApp({ env: { API_KEY: '' } });
    try {
      assert.equal(service.guard.mode(), 'open');
      assert.equal((await postItem(service.baseUrl, { name: 'x', price: 1 }, { 'content-type': 'application/json' })).status, 201);
    } finally {
      await service.close();
    }
  });

  it('with Vault on and secrets not loaded yet, writes answer 503 secrets_unavailable with Retry-After', async () => {
    const service = await startTestApp({ guard: new ApiKeyGuard(undefined, false) });
    try {
      const response = await postItem(service.baseUrl, { name: 'x', price: 1 });
      assert.equal(response.headers.get('retry-after'), '5');
      await expectError(response, 503, 'secrets_unavailable');
      service.guard.setKey('rotated-key-from-vault-123');
      const accepted = await postItem(service.baseUrl, { name: 'x', price: 1 }, {
        authorization: 'Bearer rotated-key-from-vault-123',
        'content-type': 'application/json',
      });
      assert.equal(accepted.status, 201, 'the key loaded later is enforced');
    } finally {
      await service.close();
    }
  });
});
