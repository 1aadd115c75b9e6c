import { errorBodySchema } from '../http/errors.js';

export const itemSchema = {
  $id: 'Item',
  type: 'object',
  required: ['id', 'name', 'description', 'price', 'created_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    price: { type: 'number' },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;

/** Highest accepted price: far above any real price, far below where doubles lose cents. */
export const MAX_PRICE = 1_000_000_000;

export const newItemSchema = {
  type: 'object',
  required: ['name', 'price'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    description: { type: ['string', 'null'], maxLength: 1000 },
    // A finite ceiling also rejects 1e309, which JSON.parse turns into Infinity (stored, then read back as null).
    price: { type: 'number', exclusiveMinimum: 0, maximum: MAX_PRICE },
  },
  additionalProperties: false,
} as const;

export const itemIdParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: {
    id: { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' },
  },
} as const;

export const MAX_PAGE_SIZE = 100;
/**
 * Highest accepted offset: the largest store ITEMS_MAX_COUNT allows. Query coercion turns "1e400" and "Infinity"
 * into Infinity, which JSON Schema's "integer" accepts (Infinity % 1 is NaN, not 1); a finite maximum rejects
 * them, and "1e21" (an integer too large to print as one) with them.
 */
export const MAX_OFFSET = 10_000_000;

export const listQuerySchema = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 },
    offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 },
  },
  additionalProperties: false,
} as const;

export const itemPageSchema = {
  type: 'object',
  required: ['items', 'total', 'limit', 'offset'],
  properties: {
    items: { type: 'array', items: { $ref: 'Item#' } },
    total: { type: 'integer' },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
  },
} as const;

export const errorResponses = {
  401: { description: 'Missing or wrong API key', ...errorBodySchema },
  404: { description: 'Item not found', ...errorBodySchema },
  422: { description: 'Invalid input', ...errorBodySchema },
  503: { description: 'Overloaded, shutting down or credentials not loaded', ...errorBodySchema },
} as const;
