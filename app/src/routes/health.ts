import type { FastifyInstance } from 'fastify';
import type { Readiness } from '../health/readiness.js';

export interface HealthRoutesDeps {
  readiness: Readiness;
  identity: { service: string; version: string; environment: string };
}

const checksSchema = { type: 'object', additionalProperties: { type: 'string' } } as const;
const readinessSchema = {
  type: 'object',
  required: ['status', 'checks'],
  properties: { status: { type: 'string', enum: ['ready', 'not_ready'] }, checks: checksSchema },
} as const;

export async function healthRoutes(app: FastifyInstance, deps: HealthRoutesDeps): Promise<void> {
  const internal = { internal: true };

  app.get(
    '/health',
    {
      config: internal,
      schema: {
        summary: 'Liveness: the process serves HTTP. Checks no dependencies on purpose.',
        tags: ['probes'],
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              service: { type: 'string' },
              version: { type: 'string' },
              environment: { type: 'string' },
            },
          },
        },
      },
    },
    async () => ({ status: 'healthy', ...deps.identity }),
  );

  app.get(
    '/ready',
    {
      config: internal,
      schema: {
        summary: 'Readiness: config valid, Vault secrets loaded (when on), not shutting down.',
        tags: ['probes'],
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const report = deps.readiness.report();
      return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks });
    },
  );
}
