import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** The OpenAPI document is generated from the route schemas; the UI is exposed only outside production. */
export async function registerOpenApi(
  app: FastifyInstance,
  options: { title: string; version: string; exposeUi: boolean },
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: options.title, version: options.version, description: 'Items API of production-blueprint' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  if (options.exposeUi) {
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }
}
