import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export async function metricsRoutes(app: FastifyInstance, deps: { registry: Registry }): Promise<void> {
  app.get(
    '/metrics',
    { config: { internal: true }, schema: { summary: 'Prometheus metrics', tags: ['probes'], hide: true } },
    async (_request, reply) => reply.header('content-type', deps.registry.contentType).send(await deps.registry.metrics()),
  );
}
