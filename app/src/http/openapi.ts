import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { toOpenApi30Bounds } from './openapi-30.js';

/** The version the document declares; test/openapi.test.ts validates the document against it. */
export const OPENAPI_VERSION = '3.0.3';

/** The OpenAPI document is generated from the route schemas; the UI is exposed only outside production. */
export async function registerOpenApi(
  app: FastifyInstance,
  options: { title: string; version: string; exposeUi: boolean },
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: OPENAPI_VERSION,
      info: { title: options.title, version: options.version, description: 'Items API of production-blueprint' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transformObject: (documents) => ('openapiObject' in documents ? toOpenApi30Bounds(documents.openapiObject) : documents.swaggerObject),
  });
  if (options.exposeUi) {
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }
}
