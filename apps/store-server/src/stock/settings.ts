import type pg from 'pg';
import { stockSettingsSchema } from '../api/stock';
import { RefreshingCache } from '../cache/refreshing-cache';
import type { Clock } from './authority';

/** A store's stock settings, from `stores.settings` (keys below), with their defaults. */
export interface StockSettings {
  /** How long a hold lives without activity (`holdMinutes`, default 15). */
  holdMs: number;
  /** How much longer a pending payment keeps its holds (`paymentExtensionMinutes`, default 10). */
  paymentExtensionMs: number;
  /** Most units of one SKU one holder may hold (`maxPerHolder`); a SKU's own limit wins. */
  maxPerHolder: number | null;
}

const MINUTE = 60_000;

export function parseStockSettings(settings: unknown): StockSettings {
  const source = typeof settings === 'object' && settings !== null ? settings : {};
  const picked = Object.fromEntries(
    Object.entries(source).filter(
      ([k]) => k === 'holdMinutes' || k === 'paymentExtensionMinutes' || k === 'maxPerHolder',
    ),
  );
  const parsed = stockSettingsSchema.safeParse(picked);
  const s = parsed.success ? parsed.data : stockSettingsSchema.parse({});
  return {
    holdMs: Math.round(s.holdMinutes * MINUTE),
    paymentExtensionMs: Math.round(s.paymentExtensionMinutes * MINUTE),
    maxPerHolder: s.maxPerHolder,
  };
}

/**
 * Store settings as the hot path needs them: read at most once per `ttlMs` per store (and
 * refreshed ahead, one read at a time), so that a hold does not pay a query for them (a
 * change takes effect within that time).
 */
export class StockSettingsCache {
  private readonly cache: RefreshingCache<StockSettings | undefined>;

  constructor(db: pg.Pool, clock: Clock, ttlMs = 5_000) {
    this.cache = new RefreshingCache(
      async (storeId) => {
        const { rows } = await db.query<{ settings: unknown }>('SELECT settings FROM stores WHERE id = $1', [storeId]);
        return rows[0] ? parseStockSettings(rows[0].settings) : undefined;
      },
      ttlMs,
      clock,
    );
  }

  /** Undefined for a store that does not exist. */
  get(storeId: string): Promise<StockSettings | undefined> {
    return this.cache.get(storeId);
  }
}
