import type pg from 'pg';
import { appendEvents } from '../db/events';
import { inTransaction } from '../db/pool';
import { seedDemoPricing } from '../pricing/demo-seed';
import { generateDemoCatalog } from './demo-catalog';

export const DEMO_STORE = {
  id: 'demo',
  name: 'Till Demo Store',
  currency: 'USD',
  timeZone: 'America/New_York',
  taxIncluded: false,
} as const;

export interface SeedResult {
  /** False when the demo store was already there: nothing was changed. */
  created: boolean;
  products: number;
}

/**
 * Seeds the demo store on first start. Deterministic (fixed seed) and idempotent: a
 * second run changes nothing, so stock sold or adjusted since is never reset.
 */
export async function seedDemoStore(pool: pg.Pool, minProducts = 2_400): Promise<SeedResult> {
  return inTransaction(pool, async (client) => {
    // One seeding at a time, even with several server instances starting together.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('till.seed-demo-store'))`);
    const inserted = await client.query(
      `INSERT INTO stores (id, name, currency, time_zone, tax_included)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [DEMO_STORE.id, DEMO_STORE.name, DEMO_STORE.currency, DEMO_STORE.timeZone, DEMO_STORE.taxIncluded],
    );
    if (inserted.rowCount === 0) {
      await seedDemoPricing(client, DEMO_STORE.id);
      const count = await client.query<{ n: string }>('SELECT count(*) AS n FROM products');
      return { created: false, products: Number(count.rows[0]?.n ?? 0) };
    }

    const { categories, products } = generateDemoCatalog({ minProducts });
    await client.query(
      `INSERT INTO product_categories (id, name)
       SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (id) DO NOTHING`,
      [categories.map((c) => c.id), categories.map((c) => c.name)],
    );
    const BATCH = 2_000;
    for (let i = 0; i < products.length; i += BATCH) {
      const batch = products.slice(i, i + BATCH);
      await client.query(
        `INSERT INTO products (sku, barcode, name, category_id, parent_sku, attributes, base_price, currency, tax_rate)
         SELECT s, b, n, c, p, a, pr, $8, t
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::numeric[], $9::numeric[])
           AS x(s, b, n, c, p, a, pr, t)
         ON CONFLICT (sku) DO NOTHING`,
        [
          batch.map((p) => p.sku),
          batch.map((p) => p.barcode),
          batch.map((p) => p.name),
          batch.map((p) => p.categoryId),
          batch.map((p) => p.parentSku),
          batch.map((p) => JSON.stringify(p.attributes)),
          batch.map((p) => p.basePrice),
          DEMO_STORE.currency,
          batch.map((p) => p.taxRate),
        ],
      );
      await client.query(
        `INSERT INTO stock_levels (store_id, sku, received)
         SELECT $1, s, r FROM unnest($2::text[], $3::bigint[]) AS x(s, r)
         ON CONFLICT (store_id, sku) DO NOTHING`,
        [DEMO_STORE.id, batch.map((p) => p.sku), batch.map((p) => p.stock)],
      );
    }
    await seedDemoPricing(client, DEMO_STORE.id);
    await appendEvents(client, [
      {
        storeId: DEMO_STORE.id,
        type: 'store.seeded',
        payload: { products: products.length, categories: categories.length },
      },
    ]);
    return { created: true, products: products.length };
  });
}
