import assert from 'node:assert/strict';
import type { Item } from '../src/items/item.js';
import { itemJson, itemPageJson } from '../src/items/item-json.js';
import { itemSchema } from '../src/items/schemas.js';

const item: Item = {
  id: '00000000-0000-4000-8000-000000000001',
  name: 'quote " and backslash \\ and \u2028',
  description: null,
  price: 12.5,
  created_at: '2026-01-02T03:04:05.006Z',
};

describe('item JSON (the list and get-one answers)', () => {
  it('writes exactly the fields of the Item schema, in its order, and nothing else a stored object carries', () => {
    const stored = { ...item, internal_note: 'never sent', password: 'x' } as Item;
    const written = JSON.parse(itemJson(stored)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(written), Object.keys(itemSchema.properties));
    assert.deepEqual(written, item);
  });

  it('writes a page as items, total, limit and offset', () => {
    const stored = { ...item, extra: 1 } as Item;
    const text = itemPageJson({ items: [stored, item], total: 7, limit: 2, offset: 3 });
    assert.equal(text, JSON.stringify({ items: [item, item], total: 7, limit: 2, offset: 3 }));
  });
});
