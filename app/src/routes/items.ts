import type { FastifyInstance } from 'fastify';
import type { ApiKeyGuard } from '../auth/api-key-guard.js';
import { HttpError } from '../http/errors.js';
import type { NewItem } from '../items/item.js';
import { itemJson, itemPageJson, JSON_CONTENT_TYPE } from '../items/item-json.js';
import { RepositoryFullError, type ItemRepository } from '../items/repository.js';
import {
  errorResponses,
  itemIdParamsSchema,
  itemPageSchema,
  listQuerySchema,
  newItemSchema,
} from '../items/schemas.js';
import type { AppMetrics } from '../metrics/metrics.js';

export interface ItemRoutesDeps {
  repository: ItemRepository;
  guard: ApiKeyGuard;
  metrics: AppMetrics;
}

const bearerSecurity = [{ bearerAuth: [] }];

export async function itemRoutes(app: FastifyInstance, deps: ItemRoutesDeps): Promise<void> {
  const { repository, guard, metrics } = deps;
  const requireApiKey = async (request: Parameters<ApiKeyGuard['authorize']>[0]) => guard.authorize(request);

  app.post<{ Body: NewItem }>(
    '/',
    {
      preHandler: requireApiKey,
      schema: {
        summary: 'Create an item',
        tags: ['items'],
        security: bearerSecurity,
        body: newItemSchema,
        response: { 201: { $ref: 'Item#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      try {
        const item = await repository.create(request.body);
        metrics.itemsCreatedTotal.inc();
        return reply.code(201).header('location', `/api/v1/items/${item.id}`).send(item);
      } catch (error) {
        if (error instanceof RepositoryFullError) throw new HttpError(507, 'store_full', error.message);
        throw error;
      }
    },
  );

  app.get<{ Querystring: { limit: number; offset: number } }>(
    '/',
    {
      schema: {
        summary: 'List items, paginated',
        tags: ['items'],
        querystring: listQuerySchema,
        response: { 200: itemPageSchema, 422: errorResponses[422] },
      },
    },
    async (request, reply) => {
      const { limit, offset } = request.query;
      const page = await repository.list(limit, offset);
      // The schema above still documents and fuzz-checks the answer; item-json.ts writes it (see why there).
      return reply.type(JSON_CONTENT_TYPE).serializer(itemPageJson).send({ items: page.items, total: page.total, limit, offset });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/:id',
    {
      schema: {
        summary: 'Get one item',
        tags: ['items'],
        params: itemIdParamsSchema,
        response: { 200: { $ref: 'Item#' }, 404: errorResponses[404], 422: errorResponses[422] },
      },
    },
    async (request, reply) => {
      const item = await repository.get(request.params.id.toLowerCase());
      if (item === undefined) throw new HttpError(404, 'not_found', 'Item not found');
      return reply.type(JSON_CONTENT_TYPE).serializer(itemJson).send(item);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/:id',
    {
      preHandler: requireApiKey,
      schema: {
        summary: 'Delete an item',
        tags: ['items'],
        security: bearerSecurity,
        params: itemIdParamsSchema,
        response: { 204: { description: 'Deleted', type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const deleted = await repository.delete(request.params.id.toLowerCase());
      if (!deleted) throw new HttpError(404, 'not_found', 'Item not found');
      metrics.itemsDeletedTotal.inc();
      return reply.code(204).send();
    },
  );
}
