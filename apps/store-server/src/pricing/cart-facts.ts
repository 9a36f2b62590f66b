import type pg from 'pg';
import { latestConvertingSnapshotSql, type RatesSnapshot, toRatesSnapshot } from './rates';

/**
 * Everything about a cart that pricing reads from the database besides the rules — the
 * pricing version, the store's settings, the products (with their list price for the
 * channel), the customer's segments and the newest usable exchange rates — in ONE
 * statement, so they come from one moment; the version then picks the matching rules.
 */

export type Channel = 'pos' | 'online';

export interface StorePricingSettings {
  currency: string;
  timeZone: string;
  taxIncluded: boolean;
  stacking: 'withinPriority' | 'acrossPriorities';
}

export interface ProductFacts {
  sku: string;
  /** List price for the channel when a price list has one, else the base price; store currency. */
  price: string;
  basePrice: string;
  priceListId: string | null;
  category: string;
  taxRate: string;
  currency: string;
  active: boolean;
}

export interface CartFacts {
  version: number;
  store: StorePricingSettings;
  products: Map<string, ProductFacts>;
  /** undefined: none asked; null: asked but not found. */
  customer: { id: string; segments: string[] } | null | undefined;
  /** Newest snapshot that converts the store currency into the target one (none asked: undefined). */
  rates: RatesSnapshot | null | undefined;
}

interface FactsRow {
  version: string;
  store: { currency: string; time_zone: string; tax_included: boolean; settings: Record<string, unknown> } | null;
  products: Array<Omit<ProductFacts, 'active'> & { active: boolean }>;
  customer: { id: string; segments: string[] } | null;
  rates: Parameters<typeof toRatesSnapshot>[0] | null;
}

/** Effective list price of product `p` for the channel in $3, from the store's highest-priority list. */
const LIST_PRICE = `
  LEFT JOIN LATERAL (
    SELECT lp.price, l.id AS price_list_id FROM price_list_prices lp
    JOIN price_lists l ON l.store_id = lp.store_id AND l.id = lp.price_list_id
    WHERE lp.store_id = $1 AND lp.sku = p.sku AND l.channel IN ('all', $3)
    ORDER BY l.priority DESC, l.id LIMIT 1) lp ON true`;

const STORE_CURRENCY = '(SELECT currency FROM stores WHERE id = $1)';

const FACTS_SQL = `
  SELECT coalesce((SELECT version FROM pricing_versions WHERE store_id = $1), 0)::text AS version,
    (SELECT row_to_json(s) FROM (SELECT currency, time_zone, tax_included, settings FROM stores WHERE id = $1) s) AS store,
    coalesce((SELECT json_agg(json_build_object(
        'sku', p.sku, 'price', coalesce(lp.price, p.base_price)::text, 'basePrice', p.base_price::text,
        'priceListId', lp.price_list_id, 'category', p.category_id, 'taxRate', p.tax_rate::text,
        'currency', p.currency, 'active', p.active))
      FROM products p ${LIST_PRICE} WHERE p.sku = ANY($2::text[])), '[]'::json) AS products,
    (SELECT row_to_json(c) FROM (SELECT id, segments FROM customers WHERE store_id = $1 AND id = $4) c) AS customer,
    CASE WHEN $5::text IS NULL OR $5::text = ${STORE_CURRENCY} THEN NULL
         ELSE ${latestConvertingSnapshotSql(STORE_CURRENCY, '$5::text')} END AS rates`;

export async function loadCartFacts(
  db: pg.Pool | pg.PoolClient,
  input: { storeId: string; skus: string[]; channel: Channel; customerId?: string; currency?: string },
): Promise<CartFacts> {
  const { rows } = await db.query<FactsRow>(FACTS_SQL, [
    input.storeId,
    input.skus,
    input.channel,
    input.customerId ?? null,
    input.currency ?? null,
  ]);
  const row = rows[0];
  if (!row?.store) throw new Error(`store ${input.storeId} does not exist`);
  const stacking = (row.store.settings.pricing as { stacking?: string } | undefined)?.stacking;
  return {
    version: Number(row.version),
    store: {
      currency: row.store.currency,
      timeZone: row.store.time_zone,
      taxIncluded: row.store.tax_included,
      stacking: stacking === 'acrossPriorities' ? 'acrossPriorities' : 'withinPriority',
    },
    products: new Map(row.products.map((p) => [p.sku, p])),
    customer: input.customerId === undefined ? undefined : row.customer,
    rates: input.currency === undefined ? undefined : row.rates ? toRatesSnapshot(row.rates) : null,
  };
}
