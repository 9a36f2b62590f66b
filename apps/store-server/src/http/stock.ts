import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MANAGER_UP, STOREFRONT_UP, storeOf } from '../auth/plugin';
import { appendEvents } from '../db/events';
import { inTransaction } from '../db/pool';
import { notFound } from '../errors';
import { ADJUSTMENT_KINDS, applyAdjustment } from '../stock/adjustments';
import { listStockLevels, updateSkuSettings } from '../stock/levels';
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
    async (request) => listStockLevels(app.db, storeOf(request), request.query),
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
      const row = await updateSkuSettings(app.db, storeId, sku, request.body);
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
