import type { Item, ItemPage, NewItem } from './item.js';

/**
 * The store behind the API. Handlers see only this interface, so a database-backed implementation can replace
 * the in-memory one without touching routes.
 */
export interface ItemRepository {
  create(input: NewItem): Promise<Item>;
  get(id: string): Promise<Item | undefined>;
  list(limit: number, offset: number): Promise<ItemPage>;
  delete(id: string): Promise<boolean>;
  count(): number;
}

export class RepositoryFullError extends Error {
  constructor(readonly capacity: number) {
    super(`The item store is full (${capacity} items)`);
    this.name = 'RepositoryFullError';
  }
}
