import type { Item } from './item.js';

/** What Fastify sets for a JSON answer itself; a reply with its own serializer must set it explicitly. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface ItemPageBody {
  items: Item[];
  total: number;
  limit: number;
  offset: number;
}

/** Exactly the fields of the Item schema, in its order: whatever else a stored object carries never goes out. */
function project(item: Item): Item {
  return { id: item.id, name: item.name, description: item.description, price: item.price, created_at: item.created_at };
}

/**
 * The JSON of one item and of a page, as the route's response schema would write it. Hand-written rather than the
 * schema's fast-json-stringify serializer: that one builds the page by string concatenation, about 13 KB of
 * short-lived strings per 20-item page in an allocation profile under load (four times the JSON itself), which the
 * garbage collector then pays for; V8's JSON.stringify writes one flat string. The projection keeps what the
 * schema serializer guaranteed: only the declared fields, in the declared order.
 */
export function itemJson(item: Item): string {
  return JSON.stringify(project(item));
}

export function itemPageJson(page: ItemPageBody): string {
  return JSON.stringify({ items: page.items.map(project), total: page.total, limit: page.limit, offset: page.offset });
}
