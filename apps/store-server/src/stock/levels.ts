import type pg from 'pg';
import type { z } from 'zod';
import { stockSettingsSchema } from '../api/stock';
import { appendEvents } from '../db/events';
import { inTransaction } from '../db/pool';

/** A SKU's stock in a store, as managers see it. */
export interface StockLevel {
  sku: string;
  name: string;
  received: number;
  sold: number;
  held: number;
  onHand: number;
  available: number;
  lowStockThreshold: number;
  maxPerHolder: number | null;
  buckets: number;
  lowSince: string | null;
}

export interface SkuSettings {
  lowStockThreshold?: number | undefined;
  /** null: no limit of its own (the store's applies). */
  maxPerHolder?: number | null | undefined;
  buckets?: number | undefined;
}

interface StockRow {
  sku: string;
  name: string;
  received: string;
  sold: string;
  held: string;
  low_stock_threshold: number;
  max_per_holder: number | null;
  buckets: number;
  low_stock_since: Date | null;
}

const COLUMNS = `s.sku, p.name, s.received, s.sold, s.held, s.low_stock_threshold, s.max_per_holder, s.buckets, s.low_stock_since`;

function toStockLevel(r: StockRow): StockLevel {
  const [received, sold, held] = [Number(r.received), Number(r.sold), Number(r.held)];
  return {
    sku: r.sku,
    name: r.name,
    received,
    sold,
    held,
    onHand: received - sold,
    available: received - sold - held,
    lowStockThreshold: r.low_stock_threshold,
    maxPerHolder: r.max_per_holder,
    buckets: r.buckets,
    lowSince: r.low_stock_since?.toISOString() ?? null,
  };
}

/** A page of stock levels: all, those below their threshold, or those with holds. */
export async function listStockLevels(
  db: pg.Pool,
  storeId: string,
  query: { filter: 'all' | 'low' | 'held'; limit: number; cursor?: string | undefined },
): Promise<{ items: StockLevel[]; nextCursor: string | null }> {
  const where = ['s.store_id = $1'];
  const params: unknown[] = [storeId];
  if (query.filter === 'low') where.push('s.received - s.sold - s.held < s.low_stock_threshold');
  if (query.filter === 'held') where.push('s.held > 0');
  if (query.cursor) {
    params.push(query.cursor);
    where.push(`s.sku > $${params.length}`);
  }
  params.push(query.limit + 1);
  const { rows } = await db.query<StockRow>(
    `SELECT ${COLUMNS} FROM stock_levels s JOIN products p USING (sku)
     WHERE ${where.join(' AND ')} ORDER BY s.sku LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  return { items: page.map(toStockLevel), nextCursor: rows.length > query.limit ? (page.at(-1)?.sku ?? null) : null };
}

/**
 * Changes a SKU's settings in one transaction, with a `stock.settings_changed` event, the
 * stock.changed/alert check (a new threshold may cross) and a feed row so that the Redis
 * authority takes the new per-holder limit. Undefined for an unknown product.
 */
export async function updateSkuSettings(
  db: pg.Pool,
  storeId: string,
  sku: string,
  settings: SkuSettings,
): Promise<StockLevel | undefined> {
  return inTransaction(db, async (client) => {
    const product = await client.query('SELECT 1 FROM products WHERE sku = $1', [sku]);
    if (product.rowCount === 0) return undefined;
    await client.query(`INSERT INTO stock_levels (store_id, sku) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      storeId,
      sku,
    ]);
    const updated = await client.query<{ version: string }>(
      `UPDATE stock_levels SET
         low_stock_threshold = coalesce($3, low_stock_threshold),
         max_per_holder = CASE WHEN $4::boolean THEN $5 ELSE max_per_holder END,
         buckets = coalesce($6, buckets),
         version = version + 1, updated_at = now()
       WHERE store_id = $1 AND sku = $2 RETURNING version`,
      [
        storeId,
        sku,
        settings.lowStockThreshold ?? null,
        settings.maxPerHolder !== undefined,
        settings.maxPerHolder ?? null,
        settings.buckets ?? null,
      ],
    );
    await client.query(
      `INSERT INTO stock_authority_feed (store_id, sku, version, on_hand_delta) VALUES ($1, $2, $3, 0)`,
      [storeId, sku, updated.rows[0]?.version],
    );
    await client.query('SELECT stock_touch($1, $2)', [storeId, sku]);
    const { rows } = await client.query<StockRow>(
      `SELECT ${COLUMNS} FROM stock_levels s JOIN products p USING (sku) WHERE s.store_id = $1 AND s.sku = $2`,
      [storeId, sku],
    );
    const level = rows[0] ? toStockLevel(rows[0]) : undefined;
    await appendEvents(client, [{ storeId, type: 'stock.settings_changed', payload: { storeId, ...level } }]);
    return level;
  });
}

/** Merges a store's hold settings into `stores.settings`, with an event; returns them all, defaults filled in. */
export async function updateStoreStockSettings(
  db: pg.Pool,
  storeId: string,
  patch: Partial<z.input<typeof stockSettingsSchema>>,
): Promise<z.output<typeof stockSettingsSchema>> {
  const settings = await inTransaction(db, async (client) => {
    const updated = await client.query<{ settings: Record<string, unknown> }>(
      `UPDATE stores SET settings = settings || $2::jsonb WHERE id = $1 RETURNING settings`,
      [storeId, JSON.stringify(patch)],
    );
    const all = updated.rows[0]?.settings ?? {};
    await appendEvents(client, [{ storeId, type: 'store.stock_settings_changed', payload: { storeId, ...all } }]);
    return all;
  });
  return stockSettingsSchema.parse(
    Object.fromEntries(Object.entries(settings).filter(([k]) => k in stockSettingsSchema.shape)),
  );
}

export interface LowStockAlert {
  alertId: number;
  sku: string;
  name: string;
  available: number;
  threshold: number;
  at: string;
  delivery: 'pending' | 'delivered' | 'failed' | 'not_configured';
  attempts: number;
  lastError: string | null;
}

/** The newest low-stock alerts of a store, with their delivery to the procurement webhook. */
export async function listLowStockAlerts(db: pg.Pool, storeId: string, limit: number): Promise<LowStockAlert[]> {
  const { rows } = await db.query<{
    id: string;
    sku: string;
    name: string;
    available: string;
    threshold: number;
    at: Date;
    delivery: LowStockAlert['delivery'];
    attempts: number;
    last_error: string | null;
  }>(
    `SELECT a.id, a.sku, p.name, a.available, a.threshold, a.at, a.delivery, a.attempts, a.last_error
     FROM low_stock_alerts a JOIN products p USING (sku) WHERE a.store_id = $1 ORDER BY a.id DESC LIMIT $2`,
    [storeId, limit],
  );
  return rows.map((r) => ({
    alertId: Number(r.id),
    sku: r.sku,
    name: r.name,
    available: Number(r.available),
    threshold: r.threshold,
    at: r.at.toISOString(),
    delivery: r.delivery,
    attempts: r.attempts,
    lastError: r.last_error,
  }));
}
