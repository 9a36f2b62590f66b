import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MANAGER_UP, STOREFRONT_UP, storeOf } from '../auth/plugin';
import { notFound } from '../errors';
import { errorSchema, storeIdSchema } from './schemas';

const storeSchema = z.object({
  id: z.string(),
  name: z.string(),
  currency: z.string(),
  timeZone: z.string(),
  taxIncluded: z.boolean(),
});

const summarySchema = z.object({
  store: storeSchema,
  products: z.number().int(),
  categories: z.array(z.object({ id: z.string(), name: z.string(), products: z.number().int() })),
  lowStockCount: z.number().int().describe('SKUs below their alert threshold'),
  lowStock: z.array(
    z.object({ sku: z.string(), name: z.string(), available: z.number().int(), threshold: z.number().int() }),
  ),
  lastEventSeq: z.string().nullable(),
});

interface StoreRow {
  id: string;
  name: string;
  currency: string;
  time_zone: string;
  tax_included: boolean;
}

const toStore = (r: StoreRow) => ({
  id: r.id,
  name: r.name,
  currency: r.currency,
  timeZone: r.time_zone,
  taxIncluded: r.tax_included,
});

export const storeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/stores',
    {
      // Any key may read its own store (a terminal needs its currency, zone and tax mode).
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['stores'],
        summary: 'Stores served here',
        response: { 200: z.object({ items: z.array(storeSchema) }) },
      },
    },
    async (request) => {
      const own = request.identity?.storeId;
      const { rows } = own
        ? await app.db.query<StoreRow>('SELECT * FROM stores WHERE id = $1', [own])
        : await app.db.query<StoreRow>('SELECT * FROM stores ORDER BY id');
      return { items: rows.map(toStore) };
    },
  );

  app.get(
    '/v1/stores/:storeId/summary',
    {
      config: { roles: MANAGER_UP },
      schema: {
        tags: ['stores'],
        summary: "A store at a glance: catalog by category and what is running low (the dashboard's first view)",
        params: z.object({ storeId: storeIdSchema }),
        response: { 200: summarySchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const storeId = storeOf(request, request.params.storeId);
      const store = await app.db.query<StoreRow>('SELECT * FROM stores WHERE id = $1', [storeId]);
      const row = store.rows[0];
      if (!row) throw notFound(`Store ${storeId}`, { storeId });
      const [categories, lowStock, lowCount, last] = await Promise.all([
        app.db.query<{ id: string; name: string; products: string }>(
          `SELECT c.id, c.name, count(p.sku) AS products
           FROM product_categories c LEFT JOIN products p ON p.category_id = c.id AND p.active
           GROUP BY c.id, c.name ORDER BY c.name`,
        ),
        app.db.query<{ sku: string; name: string; available: string; threshold: number }>(
          `SELECT s.sku, p.name, (s.received - s.sold - s.held) AS available, s.low_stock_threshold AS threshold
           FROM stock_levels s JOIN products p USING (sku)
           WHERE s.store_id = $1 AND s.received - s.sold - s.held < s.low_stock_threshold
           ORDER BY available, s.sku LIMIT 50`,
          [storeId],
        ),
        app.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM stock_levels
           WHERE store_id = $1 AND received - sold - held < low_stock_threshold`,
          [storeId],
        ),
        app.db.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM events WHERE store_id = $1', [storeId]),
      ]);
      const cats = categories.rows.map((c) => ({ id: c.id, name: c.name, products: Number(c.products) }));
      return {
        store: toStore(row),
        products: cats.reduce((n, c) => n + c.products, 0),
        categories: cats,
        lowStockCount: lowCount.rows[0]?.n ?? 0,
        lowStock: lowStock.rows.map((r) => ({ ...r, available: Number(r.available) })),
        lastEventSeq: last.rows[0]?.seq ?? null,
      };
    },
  );
};
