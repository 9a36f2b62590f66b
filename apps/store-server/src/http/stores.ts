import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MANAGER_UP, STOREFRONT_UP, storeOf } from '../auth/plugin';
import { AppError, notFound } from '../errors';
import { readStores, updateStore } from '../stores/store-settings';
import { errorSchema, storeIdSchema } from './schemas';

const STACKING = ['withinPriority', 'acrossPriorities'] as const;

const storeSchema = z.object({
  id: z.string(),
  name: z.string(),
  currency: z.string(),
  timeZone: z.string().describe('IANA zone: schedules and receipts are in its local time'),
  taxIncluded: z.boolean().describe('Prices include tax (true) or tax is added on top (false)'),
  stacking: z
    .enum(STACKING)
    .describe('Discounts of different priorities stack ("acrossPriorities") or only within one ("withinPriority")'),
});

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const storePatchSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'is empty').max(200),
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone like "America/New_York"'),
    taxIncluded: z.boolean(),
    stacking: z.enum(STACKING),
  })
  .partial();

const summarySchema = z.object({
  store: storeSchema,
  products: z.number().int(),
  categories: z.array(z.object({ id: z.string(), name: z.string(), products: z.number().int() })),
  lowStockCount: z.number().int().describe('SKUs below their alert threshold'),
  heldUnits: z.number().int().describe('Units held in carts right now'),
  lowStock: z.array(
    z.object({ sku: z.string(), name: z.string(), available: z.number().int(), threshold: z.number().int() }),
  ),
  lastEventSeq: z.string().nullable(),
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
    async (request) => ({ items: await readStores(app.db, request.identity?.storeId ?? undefined) }),
  );

  app.patch(
    '/v1/stores/:storeId',
    {
      config: { roles: MANAGER_UP },
      schema: {
        tags: ['stores'],
        summary: "Change a store's name, time zone, tax mode or discount stacking",
        description:
          'Fields left out stay as they are. Writes `store.updated` (the whole store) for terminals and dashboards; ' +
          'a change of time zone, tax mode or stacking also bumps the pricing version. The currency cannot ' +
          'change: products, rules and prices are in it.',
        params: z.object({ storeId: storeIdSchema }),
        body: z.looseObject({}),
        response: { 200: storeSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const storeId = storeOf(request, request.params.storeId);
      const body = request.body as Record<string, unknown>;
      if ('currency' in body) {
        throw new AppError(400, 'VALIDATION_FAILED', 'The currency of a store cannot change: its prices are in it', {
          fields: [{ field: 'body.currency', problem: 'cannot change' }],
        });
      }
      const parsed = storePatchSchema.safeParse(body);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => ({
          field: ['body', ...(issue.code === 'unrecognized_keys' ? [issue.keys.join(', ')] : issue.path)].join('.'),
          problem: issue.code === 'unrecognized_keys' ? 'is not a setting of a store' : issue.message,
        }));
        throw new AppError(
          400,
          'VALIDATION_FAILED',
          `The request is not valid: ${fields.map((f) => `${f.field}: ${f.problem}`).join('; ')}`,
          { fields },
        );
      }
      return (await updateStore(app.db, storeId, parsed.data)).store;
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
      const [store] = await readStores(app.db, storeId);
      if (!store) throw notFound(`Store ${storeId}`, { storeId });
      const [categories, lowStock, counts, last] = await Promise.all([
        app.db.query<{ id: string; name: string; products: string }>(
          `SELECT c.id, c.name, count(p.sku) AS products
           FROM product_categories c LEFT JOIN products p ON p.category_id = c.id AND p.active
           GROUP BY c.id, c.name ORDER BY c.name`,
        ),
        app.db.query<{ sku: string; name: string; available: string; threshold: number }>(
          `SELECT s.sku, p.name, (s.received - s.sold - s.held) AS available, s.low_stock_threshold AS threshold
           FROM stock_levels s JOIN products p USING (sku)
           WHERE s.store_id = $1 AND s.received - s.sold - s.held < s.low_stock_threshold
           ORDER BY available, s.sku LIMIT 200`,
          [storeId],
        ),
        app.db.query<{ n: number; held: number }>(
          `SELECT count(*) FILTER (WHERE received - sold - held < low_stock_threshold)::int AS n,
                  coalesce(sum(held), 0)::int AS held
           FROM stock_levels WHERE store_id = $1`,
          [storeId],
        ),
        app.db.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM events WHERE store_id = $1', [storeId]),
      ]);
      const cats = categories.rows.map((c) => ({ id: c.id, name: c.name, products: Number(c.products) }));
      return {
        store,
        products: cats.reduce((n, c) => n + c.products, 0),
        categories: cats,
        lowStockCount: counts.rows[0]?.n ?? 0,
        heldUnits: counts.rows[0]?.held ?? 0,
        lowStock: lowStock.rows.map((r) => ({ ...r, available: Number(r.available) })),
        lastEventSeq: last.rows[0]?.seq ?? null,
      };
    },
  );
};
