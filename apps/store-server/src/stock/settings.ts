import type pg from 'pg';
import { stockSettingsSchema } from '../api/stock';
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
 * Store settings as the hot path needs them: read once per `ttlMs` per store, so that a hold
 * does not pay a query for them (a change takes effect within that time).
 */
export class StockSettingsCache {
  private readonly entries = new Map<string, { value: StockSettings | undefined; until: number }>();

  constructor(
    private readonly db: pg.Pool,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
  ) {}

  /** Undefined for a store that does not exist. */
  async get(storeId: string): Promise<StockSettings | undefined> {
    const now = this.clock();
    const cached = this.entries.get(storeId);
    if (cached && cached.until > now) return cached.value;
    const { rows } = await this.db.query<{ settings: unknown }>('SELECT settings FROM stores WHERE id = $1', [storeId]);
    const value = rows[0] ? parseStockSettings(rows[0].settings) : undefined;
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(storeId, { value, until: now + this.ttlMs });
    return value;
  }
}
