import type pg from 'pg';
import { latestConvertingSnapshotSql, type RatesSnapshot, toRatesSnapshot } from './rates';

/**
 * Everything about a cart that pricing reads from the database besides the rules — the
 * pricing version, the store's settings, the products, the customer's segments and the
 * newest usable exchange rates — in ONE statement, so they come from one moment; the
 * version then picks the matching rules (price lists are rules too, in the snapshot).
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
  /** Base price in the store currency. */
  price: string;
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

const STORE_CURRENCY = '(SELECT currency FROM stores WHERE id = $1)';

const FACTS_SQL = `
  SELECT coalesce((SELECT version FROM pricing_versions WHERE store_id = $1), 0)::text AS version,
    (SELECT row_to_json(s) FROM (SELECT currency, time_zone, tax_included, settings FROM stores WHERE id = $1) s) AS store,
    coalesce((SELECT json_agg(json_build_object(
        'sku', p.sku, 'price', p.base_price::text, 'category', p.category_id, 'taxRate', p.tax_rate::text,
        'currency', p.currency, 'active', p.active))
      FROM products p WHERE p.sku = ANY($2::text[])), '[]'::json) AS products,
    (SELECT row_to_json(c) FROM (SELECT id, segments FROM customers WHERE store_id = $1 AND id = $3) c) AS customer,
    CASE WHEN $4::text IS NULL OR $4::text = ${STORE_CURRENCY} THEN NULL
         ELSE ${latestConvertingSnapshotSql(STORE_CURRENCY, '$4::text')} END AS rates`;

export async function loadCartFacts(
  db: pg.Pool | pg.PoolClient,
  input: { storeId: string; skus: string[]; customerId?: string; currency?: string },
): Promise<CartFacts> {
  // A named statement: each connection plans it once.
  const { rows } = await db.query<FactsRow>({
    name: 'till-cart-facts',
    text: FACTS_SQL,
    values: [input.storeId, input.skus, input.customerId ?? null, input.currency ?? null],
  });
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
