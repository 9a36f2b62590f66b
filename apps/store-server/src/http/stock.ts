import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MANAGER_UP, STOREFRONT_UP, storeOf } from '../auth/plugin';
import { appendEvents } from '../db/events';
import { inTransaction } from '../db/pool';
import { notFound } from '../errors';
import { ADJUSTMENT_KINDS, applyAdjustment } from '../stock/adjustments';
import { stockSettingsSchema } from '../stock/settings';
import { errorSchema, skuSchema } from './schemas';

const availabilitySchema = z.object({
  sku: z.string(),
  onHand: z.number().int(),
  held: z.number().int(),
  available: z.number().int().describe('On hand minus held: what can be held or bought now'),
});

const countersSchema = z.object({
  received: z.number().int(),
  sold: z.number().int(),
  held: z.number().int(),
  onHand: z.number().int(),
  available: z.number().int(),
});

const adjustmentResultSchema = z.object({
  adjustmentId: z.string(),
  storeId: z.string(),
  kind: z.enum(ADJUSTMENT_KINDS),
  note: z.string().nullable(),
  createdAt: z.string(),
  lines: z.array(
    z.object({
      sku: z.string(),
      onHandBefore: z.number().int(),
      delta: z.number().int(),
      after: countersSchema,
      holdsTaken: z.array(
        z.object({ holdId: z.string(), holderId: z.string(), taken: z.number().int(), qtyLeft: z.number().int() }),
      ),
    }),
  ),
});

const stockRowSchema = countersSchema.extend({
  sku: z.string(),
  name: z.string(),
  lowStockThreshold: z.number().int(),
  maxPerHolder: z.number().int().nullable(),
  buckets: z.number().int(),
  lowSince: z.string().nullable(),
});

const alertSchema = z.object({
  alertId: z.number().int(),
  sku: z.string(),
  name: z.string(),
  available: z.number().int(),
  threshold: z.number().int(),
  at: z.string(),
  delivery: z.enum(['pending', 'delivered', 'failed', 'not_configured']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
});

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

function toStockRow(r: StockRow) {
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

const STOCK_COLUMNS = `s.sku, p.name, s.received, s.sold, s.held, s.low_stock_threshold, s.max_per_holder, s.buckets, s.low_stock_since`;

export const stockRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/products/:sku/availability',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['stock'],
        summary: 'How many units of a product are on hand, held and available',
        params: z.object({ sku: skuSchema }),
        response: { 200: availabilitySchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { sku } = request.params;
      const storeId = storeOf(request);
      const found = (await app.stock.availability(storeId, [sku])).get(sku);
      if (found) return found;
      const product = await app.db.query('SELECT 1 FROM products WHERE sku = $1', [sku]);
      if (product.rowCount === 0) throw notFound(`Product ${sku}`, { sku });
      return { sku, onHand: 0, held: 0, available: 0 };
    },
  );

  app.post(
    '/v1/stock/adjustments',
    {
      config: { roles: MANAGER_UP },
      schema: {
        tags: ['stock'],
        summary: 'Receive goods, write off shrinkage, correct, count, or import stock levels from the ERP',
        description:
          'receipt / shrinkage / correction lines move on hand by `delta`; count / erp_import lines set `onHand`. ' +
          'All lines or none. `adjustmentId` is made by the client: a retry answers with the first result (200). ' +
          'Where on hand falls below what is held, the newest holds are cut and their holders told why.',
        body: z.object({
          adjustmentId: z.string().uuid('must be a UUID made by the client'),
          kind: z.enum(ADJUSTMENT_KINDS),
          note: z.string().trim().min(1).max(500).optional(),
          lines: z
            .array(
              z.object({
                sku: skuSchema,
                delta: z.number().int('must be a whole number').min(-1_000_000).max(1_000_000).optional(),
                onHand: z.number().int('must be a whole number').min(0).max(10_000_000).optional(),
              }),
            )
            .min(1, 'needs at least one line')
            .max(5_000),
        }),
        response: {
          200: adjustmentResultSchema,
          201: adjustmentResultSchema,
          400: errorSchema,
          404: errorSchema,
          409: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const storeId = storeOf(request);
      // Redis mode: holds decided so far must be in PostgreSQL, so that the right (newest) ones are cut.
      await app.stock.flush();
      const { result, replayed } = await applyAdjustment(app.db, { storeId, ...request.body });
      if (!replayed)
        await app.stock.applyFeed().catch((error) => request.log.warn({ err: error }, 'stock feed not applied yet'));
      return reply.status(replayed ? 200 : 201).send(result);
    },
  );

  app.get(
    '/v1/stock',
    {
      config: { roles: MANAGER_UP },
      schema: {
        tags: ['stock'],
        summary: 'Stock per SKU: received, sold, on hand, held, available (the dashboard)',
        querystring: z.object({
          filter: z.enum(['all', 'low', 'held']).default('all').describe('low: below threshold; held: with holds'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: skuSchema.optional(),
        }),
        response: {
          200: z.object({ items: z.array(stockRowSchema), nextCursor: z.string().nullable() }),
          400: errorSchema,
        },
      },
    },
    async (request) => {
      const { filter, limit, cursor } = request.query;
      const where = ['s.store_id = $1'];
      const params: unknown[] = [storeOf(request)];
      if (filter === 'low') where.push('s.received - s.sold - s.held < s.low_stock_threshold');
      if (filter === 'held') where.push('s.held > 0');
      if (cursor) {
        params.push(cursor);
        where.push(`s.sku > $${params.length}`);
      }
      params.push(limit + 1);
      const { rows } = await app.db.query<StockRow>(
        `SELECT ${STOCK_COLUMNS} FROM stock_levels s JOIN products p USING (sku)
         WHERE ${where.join(' AND ')} ORDER BY s.sku LIMIT $${params.length}`,
        params,
      );
      const page = rows.slice(0, limit);
      return { items: page.map(toStockRow), nextCursor: rows.length > limit ? (page.at(-1)?.sku ?? null) : null };
    },
  );

  app.patch(
    '/v1/stock/:sku/settings',
    {
      config: { roles: MANAGER_UP },
      schema: {
        tags: ['stock'],
        summary: "A SKU's low-stock threshold, per-customer limit and Redis buckets",
        description: '`buckets` (Redis mode, hot SKUs) takes effect when the SKU is next loaded into Redis.',
        params: z.object({ sku: skuSchema }),
        body: z
          .object({
            lowStockThreshold: z.number().int().min(0).max(1_000_000).optional(),
            maxPerHolder: z.number().int().min(1).max(1_000_000).nullable().optional(),
            buckets: z.number().int().min(1).max(64).optional(),
          })
          .refine((b) => Object.keys(b).length > 0, 'give at least one setting'),
        response: { 200: stockRowSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const storeId = storeOf(request);
      const { sku } = request.params;
      const b = request.body;
      const row = await inTransaction(app.db, async (client) => {
        const product = await client.query('SELECT 1 FROM products WHERE sku = $1', [sku]);
        if (product.rowCount === 0) throw notFound(`Product ${sku}`, { sku });
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
            b.lowStockThreshold ?? null,
            b.maxPerHolder !== undefined,
            b.maxPerHolder ?? null,
            b.buckets ?? null,
          ],
        );
        await client.query(
          `INSERT INTO stock_authority_feed (store_id, sku, version, on_hand_delta) VALUES ($1, $2, $3, 0)`,
          [storeId, sku, updated.rows[0]?.version],
        );
        await client.query('SELECT stock_touch($1, $2)', [storeId, sku]);
        const { rows } = await client.query<StockRow>(
          `SELECT ${STOCK_COLUMNS} FROM stock_levels s JOIN products p USING (sku) WHERE s.store_id = $1 AND s.sku = $2`,
          [storeId, sku],
        );
        const stock = rows[0] ? toStockRow(rows[0]) : undefined;
        await appendEvents(client, [{ storeId, type: 'stock.settings_changed', payload: { storeId, ...stock } }]);
        return stock;
      });
      if (!row) throw notFound(`Product ${sku}`, { sku });
      await app.stock.applyFeed().catch((error) => request.log.warn({ err: error }, 'stock feed not applied yet'));
      return row;
    },
  );

  app.patch(
    '/v1/stock/settings',
    {
      config: { roles: MANAGER_UP },
      schema: {
        tags: ['stock'],
        summary: "The store's hold settings: hold lifetime, payment extension, per-customer limit",
        body: stockSettingsSchema.partial().refine((b) => Object.keys(b).length > 0, 'give at least one setting'),
        response: { 200: stockSettingsSchema.required(), 400: errorSchema },
      },
    },
    async (request) => {
      const storeId = storeOf(request);
      const { rows } = await inTransaction(app.db, async (client) => {
        const updated = await client.query<{ settings: Record<string, unknown> }>(
          `UPDATE stores SET settings = settings || $2::jsonb WHERE id = $1 RETURNING settings`,
          [storeId, JSON.stringify(request.body)],
        );
        await appendEvents(client, [
          { storeId, type: 'store.stock_settings_changed', payload: { storeId, ...updated.rows[0]?.settings } },
        ]);
        return updated;
      });
      const s = stockSettingsSchema.parse(
        Object.fromEntries(Object.entries(rows[0]?.settings ?? {}).filter(([k]) => k in stockSettingsSchema.shape)),
      );
      return s;
    },
  );

  app.get(
    '/v1/stock/alerts',
    {
      config: { roles: MANAGER_UP },
      schema: {
        tags: ['stock'],
        summary: 'Low-stock alerts, newest first, with their delivery to the procurement webhook',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: z.object({ items: z.array(alertSchema) }), 400: errorSchema },
      },
    },
    async (request) => {
      const { rows } = await app.db.query<{
        id: string;
        sku: string;
        name: string;
        available: string;
        threshold: number;
        at: Date;
        delivery: 'pending' | 'delivered' | 'failed' | 'not_configured';
        attempts: number;
        last_error: string | null;
      }>(
        `SELECT a.id, a.sku, p.name, a.available, a.threshold, a.at, a.delivery, a.attempts, a.last_error
         FROM low_stock_alerts a JOIN products p USING (sku) WHERE a.store_id = $1 ORDER BY a.id DESC LIMIT $2`,
        [storeOf(request), request.query.limit],
      );
      return {
        items: rows.map((r) => ({
          alertId: Number(r.id),
          sku: r.sku,
          name: r.name,
          available: Number(r.available),
          threshold: r.threshold,
          at: r.at.toISOString(),
          delivery: r.delivery,
          attempts: r.attempts,
          lastError: r.last_error,
        })),
      };
    },
  );
};
