import assert from 'node:assert/strict';
import type { Item } from '../src/items/item.js';
import { itemJson, itemPageJson } from '../src/items/item-json.js';
import { InMemoryItemRepository } from '../src/items/memory-repository.js';
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

  it('writes a frozen item the same as a plain one, from the first answer to the last', () => {
    const frozen = Object.freeze({ ...item, extra: 1 }) as Item;
    const expected = JSON.stringify(item);
    assert.equal(itemJson(frozen), expected);
    assert.equal(itemJson(frozen), expected);
    assert.equal(itemPageJson({ items: [frozen, frozen], total: 2, limit: 20, offset: 0 }), JSON.stringify({ items: [item, item], total: 2, limit: 20, offset: 0 }));
  });

  it('never answers a changed object with its old text: only frozen items are written once', () => {
    const mutable = { ...item };
    assert.equal(JSON.parse(itemJson(mutable)).name, item.name);
    mutable.name = 'renamed';
    assert.equal(JSON.parse(itemJson(mutable)).name, 'renamed');
  });

  it('writes an empty page', () => {
    assert.equal(itemPageJson({ items: [], total: 0, limit: 20, offset: 40 }), '{"items":[],"total":0,"limit":20,"offset":40}');
  });

  it('gets frozen items from the in-memory store, so their text can be written once', async () => {
    const repository = new InMemoryItemRepository(10);
    const created = await repository.create({ name: 'a', price: 1 });
    assert.ok(Object.isFrozen(created));
    assert.ok(Object.isFrozen((await repository.list(10, 0)).items[0]));
  });
});
