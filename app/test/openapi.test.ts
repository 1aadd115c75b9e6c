import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { OPENAPI_VERSION } from '../src/http/openapi.js';
import { startTestApp } from './support/test-app.js';

describe('OpenAPI', () => {
  it('outside production, /docs serves the UI and /docs/json the schema generated from the route schemas', async () => {
    const service = await startTestApp({ env: { APP_ENV: 'staging' } });
    try {
      const ui = await fetch(`${service.baseUrl}/docs/`, { redirect: 'follow' });
      assert.equal(ui.status, 200);
      assert.match(await ui.text(), /swagger/i);
      const spec = (await (await fetch(`${service.baseUrl}/docs/json`)).json()) as {
        openapi: string;
        paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>>;
        components: { securitySchemes: Record<string, unknown> };
      };
      assert.match(spec.openapi, /^3\./);
      assert.ok(spec.paths['/api/v1/items']?.post, 'POST /api/v1/items documented');
      assert.ok(spec.paths['/api/v1/items/{id}']?.delete, 'DELETE /api/v1/items/{id} documented');
      const nameSchema = spec.paths['/api/v1/items']?.post?.requestBody?.content['application/json']?.schema.properties.name;
      assert.deepEqual(nameSchema, { type: 'string', minLength: 1, maxLength: 255 });
      assert.ok(spec.components.securitySchemes.bearerAuth);
      assert.ok(!service.logs.events('request_completed').some((line) => String(line.route).startsWith('/docs') && line.level === 'info'));
    } finally {
      await service.close();
    }
  });

  it(`the document validates against the official OpenAPI ${OPENAPI_VERSION} schema it declares`, async () => {
    const service = await startTestApp({ env: { APP_ENV: 'staging' } });
    try {
      const spec = (await (await fetch(`${service.baseUrl}/docs/json`)).json()) as { openapi: string };
      assert.equal(spec.openapi, OPENAPI_VERSION);
      const result = await new Validator().validate(spec);
      assert.deepEqual(result.errors ?? [], [], 'no schema violations');
      assert.equal(result.valid, true);
      const price = (spec as unknown as { paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: { price: unknown } } }> } } }> })
        .paths['/api/v1/items']?.post.requestBody.content['application/json']?.schema.properties.price;
      assert.deepEqual(price, { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1_000_000_000 }, 'price > 0 in the 3.0 form');
    } finally {
      await service.close();
    }
  });

  it('in production, /docs is not served', async () => {
    const service = await startTestApp({ env: { APP_ENV: 'production' } });
    try {
      assert.equal((await fetch(`${service.baseUrl}/docs/`)).status, 404);
      assert.equal((await fetch(`${service.baseUrl}/docs/json`)).status, 404);
    } finally {
      await service.close();
    }
  });

  it('DOCS_ENABLED=false turns /docs off outside production, and DOCS_ENABLED=true cannot turn it on in production', async () => {
    for (const env of [{ APP_ENV: 'staging', DOCS_ENABLED: 'false' }, { APP_ENV: 'production', DOCS_ENABLED: 'true' }]) {
      const service = await startTestApp({ env });
      try {
        assert.equal((await fetch(`${service.baseUrl}/docs/`)).status, 404, JSON.stringify(env));
        assert.equal((await fetch(`${service.baseUrl}/docs/json`)).status, 404, JSON.stringify(env));
      } finally {
        await service.close();
      }
    }
  });
});
