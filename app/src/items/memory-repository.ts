import { randomUUID } from 'node:crypto';
import type { Item, ItemPage, NewItem } from './item.js';
import { RepositoryFullError, type ItemRepository } from './repository.js';

/**
 * Default store. Limits, by design: data lives in one replica's memory, so each replica has its own items
 * and a restart loses them; capacity is capped so a client cannot exhaust the pod's memory.
 */
export class InMemoryItemRepository implements ItemRepository {
  // A Map keeps insertion order, which gives stable pagination without sorting.
  private readonly items = new Map<string, Item>();

  constructor(
    private readonly capacity: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: NewItem): Promise<Item> {
    if (this.items.size >= this.capacity) throw new RepositoryFullError(this.capacity);
    // Frozen: a stored item never changes (the API has no update), and the JSON writer caches the text of
    // frozen items (see item-json.ts), so a later change could not go unnoticed into a stale answer.
    const item: Item = Object.freeze({
      id: randomUUID(),
      name: input.name,
      description: input.description ?? null,
      price: input.price,
      created_at: this.now().toISOString(),
    });
    this.items.set(item.id, item);
    return item;
  }

  async get(id: string): Promise<Item | undefined> {
    return this.items.get(id);
  }

  async list(limit: number, offset: number): Promise<ItemPage> {
    const page: Item[] = [];
    let index = 0;
    for (const item of this.items.values()) {
      if (index >= offset + limit) break;
      if (index >= offset) page.push(item);
      index += 1;
    }
    return { items: page, total: this.items.size };
  }

  async delete(id: string): Promise<boolean> {
    return this.items.delete(id);
  }

  count(): number {
    return this.items.size;
  }
}
