import type { Audience } from '@till/sync';
import type pg from 'pg';

/**
 * One part of a snapshot: a table (or a view of one) read page by page in a stable order.
 * A new kind of data joins snapshots by adding a section to `sections/index.ts`.
 * Items have the shape of the payloads of the events that change them, so a client
 * applies a snapshot item and a change the same way.
 */
export interface SnapshotSection {
  name: string;
  /** Which clients get this section. */
  audiences: readonly Audience[];
  page(
    db: pg.Pool,
    storeId: string,
    after: string | null,
    limit: number,
  ): Promise<{ items: Record<string, unknown>[]; next: string | null }>;
}

/** Keyset paging: `limit + 1` rows tell whether there is a next page; its cursor is the last key. */
export function keysetPage<Row, Item extends Record<string, unknown>>(
  rows: Row[],
  limit: number,
  key: (row: Row) => string,
  toItem: (row: Row) => Item,
): { items: Item[]; next: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(toItem), next: rows.length > limit && last ? key(last) : null };
}
