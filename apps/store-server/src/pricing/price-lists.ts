import Decimal from 'decimal.js';
import type pg from 'pg';
import type { Channel, PriceList, PriceListWrite } from '../api/price-lists';
import { notFound } from '../errors';
import { trimScale } from './decimal-text';
import type { EngineRule } from './engine';
import { validationFailed } from './field-errors';
import type { EmitPricingEvent } from './pricing-change';

/**
 * Price lists per store and channel. A list price replaces a product's base price for the
 * list's channel (the highest priority list wins) before any rule applies.
 */

interface PriceListRow {
  id: string;
  name: string;
  channel: Channel;
  priority: number;
  currency: string;
  price_count: string;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

const SELECT_LISTS = `
  SELECT l.id, l.name, l.channel, l.priority, s.currency, l.revision, l.created_at, l.updated_at,
         (SELECT count(*) FROM price_list_prices p WHERE p.store_id = l.store_id AND p.price_list_id = l.id) AS price_count
  FROM price_lists l JOIN stores s ON s.id = l.store_id`;

function toPriceList(row: PriceListRow): PriceList {
  return {
    id: row.id,
    name: row.name,
    channel: row.channel,
    priority: row.priority,
    currency: row.currency,
    priceCount: Number(row.price_count),
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Rule ids of price lists: `price-list:<id>`. Managers' own rules may not use the prefix. */
export const PRICE_LIST_RULE_PREFIX = 'price-list:';

export interface PriceListContent {
  id: string;
  name: string;
  channel: Channel;
  priority: number;
  prices: ReadonlyArray<{ sku: string; price: string }>;
}

/**
 * A price list as the engine reads it: an overriding `priceList` rule for its channel (the
 * list price replaces the base price, even upwards; the highest priority list wins). An
 * empty list prices nothing and is no rule.
 */
export function priceListRule(list: PriceListContent): EngineRule | null {
  if (list.prices.length === 0) return null;
  return {
    id: `${PRICE_LIST_RULE_PREFIX}${list.id}`,
    kind: 'priceList',
    name: list.name,
    priority: list.priority,
    override: true,
    ...(list.channel === 'all' ? {} : { channels: [list.channel] }),
    prices: list.prices.map((p) => ({ sku: p.sku, price: trimScale(p.price) })),
  };
}

export async function listPriceLists(db: pg.Pool, storeId: string): Promise<PriceList[]> {
  const { rows } = await db.query<PriceListRow>(
    `${SELECT_LISTS} WHERE l.store_id = $1 ORDER BY l.priority DESC, l.id`,
    [storeId],
  );
  return rows.map(toPriceList);
}

export async function getPriceList(
  db: pg.Pool | pg.PoolClient,
  storeId: string,
  id: string,
): Promise<(PriceList & { prices: Array<{ sku: string; price: string }> }) | undefined> {
  const { rows } = await db.query<PriceListRow>(`${SELECT_LISTS} WHERE l.store_id = $1 AND l.id = $2`, [storeId, id]);
  const row = rows[0];
  if (!row) return undefined;
  const prices = await db.query<{ sku: string; price: string }>(
    'SELECT sku, price::text FROM price_list_prices WHERE store_id = $1 AND price_list_id = $2 ORDER BY sku',
    [storeId, id],
  );
  return { ...toPriceList(row), prices: prices.rows.map((p) => ({ sku: p.sku, price: trimScale(p.price) })) };
}

async function requirePriceList(db: pg.PoolClient, storeId: string, id: string) {
  const list = await getPriceList(db, storeId, id);
  if (!list) throw notFound(`Price list ${id}`, { id });
  return list;
}

/** Refuses prices for unknown or repeated SKUs, naming each. */
async function checkPrices(client: pg.PoolClient, prices: Array<{ sku: string; price: string }>) {
  const { rows } = await client.query<{ sku: string }>('SELECT sku FROM products WHERE sku = ANY($1::text[])', [
    prices.map((p) => p.sku),
  ]);
  const known = new Set(rows.map((r) => r.sku));
  const seen = new Set<string>();
  const problems: Array<{ field: string; problem: string }> = [];
  prices.forEach((p, i) => {
    if (!known.has(p.sku)) problems.push({ field: `body.prices.${i}.sku`, problem: `no product ${p.sku}` });
    else if (seen.has(p.sku)) problems.push({ field: `body.prices.${i}.sku`, problem: `${p.sku} is listed twice` });
    seen.add(p.sku);
  });
  if (problems.length > 0) throw validationFailed(problems);
}

export async function putPriceList(
  client: pg.PoolClient,
  storeId: string,
  id: string,
  write: PriceListWrite,
  emit: EmitPricingEvent,
): Promise<{ created: boolean }> {
  if (write.prices) await checkPrices(client, write.prices);
  const upserted = await client.query<{ inserted: boolean }>(
    `INSERT INTO price_lists AS l (store_id, id, name, channel, priority) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (store_id, id) DO UPDATE
       SET name = EXCLUDED.name, channel = EXCLUDED.channel, priority = EXCLUDED.priority,
           revision = l.revision + 1, updated_at = now()
       WHERE (l.name, l.channel, l.priority) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.channel, EXCLUDED.priority)
     RETURNING (xmax = 0) AS inserted`,
    [storeId, id, write.name, write.channel, write.priority],
  );
  let changed = (upserted.rowCount ?? 0) > 0;
  const created = upserted.rows[0]?.inserted ?? false;
  if (write.prices) {
    const skus = write.prices.map((p) => p.sku);
    const removed = await client.query(
      `DELETE FROM price_list_prices WHERE store_id = $1 AND price_list_id = $2 AND NOT (sku = ANY($3::text[]))`,
      [storeId, id, skus],
    );
    const set = await client.query(
      `INSERT INTO price_list_prices AS p (store_id, price_list_id, sku, price)
       SELECT $1, $2, * FROM unnest($3::text[], $4::numeric[])
       ON CONFLICT (store_id, price_list_id, sku) DO UPDATE SET price = EXCLUDED.price, updated_at = now()
         WHERE p.price <> EXCLUDED.price`,
      [storeId, id, skus, write.prices.map((p) => p.price)],
    );
    changed ||= (removed.rowCount ?? 0) > 0 || (set.rowCount ?? 0) > 0;
  }
  if (changed) {
    const priceList = await requirePriceList(client, storeId, id);
    emit(storeId, 'price_list.upserted', { priceList, rule: priceListRule(priceList) });
  }
  return { created };
}

export interface ListPriceChange {
  priceListId: string;
  sku: string;
  price: { amount: string; currency: string } | null;
}

/** Sets (a price) or removes (null) one SKU's price in a list; announces `price.changed` when it changes. */
export async function setListPrice(
  client: pg.PoolClient,
  storeId: string,
  id: string,
  sku: string,
  price: string | null,
  emit: EmitPricingEvent,
): Promise<ListPriceChange> {
  const { rows } = await client.query<{ channel: Channel; currency: string; known: boolean }>(
    `SELECT l.channel, s.currency, EXISTS (SELECT 1 FROM products WHERE sku = $3) AS known
     FROM price_lists l JOIN stores s ON s.id = l.store_id WHERE l.store_id = $1 AND l.id = $2`,
    [storeId, id, sku],
  );
  const list = rows[0];
  if (!list) throw notFound(`Price list ${id}`, { id });
  if (!list.known) throw notFound(`Product ${sku}`, { sku });
  const result =
    price === null
      ? await client.query(
          'DELETE FROM price_list_prices WHERE store_id = $1 AND price_list_id = $2 AND sku = $3 RETURNING price::text',
          [storeId, id, sku],
        )
      : await client.query<{ price: string }>(
          `INSERT INTO price_list_prices AS p (store_id, price_list_id, sku, price) VALUES ($1, $2, $3, $4)
           ON CONFLICT (store_id, price_list_id, sku) DO UPDATE SET price = EXCLUDED.price, updated_at = now()
             WHERE p.price <> EXCLUDED.price
           RETURNING price::text`,
          [storeId, id, sku, price],
        );
  if (price === null && result.rowCount === 0) throw notFound(`${sku} in price list ${id}`, { id, sku });
  const stored = price === null ? null : { amount: trimScale(new Decimal(price).toFixed(4)), currency: list.currency };
  if ((result.rowCount ?? 0) > 0) {
    emit(storeId, 'price.changed', {
      sku,
      price: stored?.amount ?? null,
      currency: list.currency,
      priceListId: id,
      ruleId: `${PRICE_LIST_RULE_PREFIX}${id}`,
      channel: list.channel,
    });
  }
  return { priceListId: id, sku, price: stored };
}

export async function deletePriceList(
  client: pg.PoolClient,
  storeId: string,
  id: string,
  emit: EmitPricingEvent,
): Promise<void> {
  const deleted = await client.query('DELETE FROM price_lists WHERE store_id = $1 AND id = $2', [storeId, id]);
  if (deleted.rowCount === 0) throw notFound(`Price list ${id}`, { id });
  emit(storeId, 'price_list.deleted', { id, ruleId: `${PRICE_LIST_RULE_PREFIX}${id}` });
}
