import { z } from 'zod';
import { errorSchema, skuSchema } from './common';
import { endpoint } from './endpoint';

export const ADJUSTMENT_KINDS = ['receipt', 'shrinkage', 'correction', 'count', 'erp_import'] as const;

export const availabilitySchema = z.object({
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

export const adjustmentResultSchema = z.object({
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

export const stockLevelSchema = countersSchema.extend({
  sku: z.string(),
  name: z.string(),
  lowStockThreshold: z.number().int(),
  maxPerHolder: z.number().int().nullable(),
  buckets: z.number().int(),
  lowSince: z.string().nullable(),
});

export const lowStockAlertSchema = z.object({
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

/** A store's hold settings (kept in `stores.settings`), with their defaults. */
export const stockSettingsSchema = z.object({
  holdMinutes: z
    .number()
    .positive()
    .max(7 * 24 * 60)
    .default(15),
  paymentExtensionMinutes: z
    .number()
    .positive()
    .max(24 * 60)
    .default(10),
  maxPerHolder: z.number().int().positive().max(1_000_000).nullable().default(null),
});

const atLeastOne = (b: object) => Object.keys(b).length > 0;

export const stockEndpoints = {
  availability: endpoint({
    method: 'GET',
    path: '/v1/products/:sku/availability',
    tags: ['stock'],
    summary: 'How many units of a product are on hand, held and available',
    schema: {
      params: z.object({ sku: skuSchema }),
      response: { 200: availabilitySchema, 400: errorSchema, 404: errorSchema, 503: errorSchema },
    },
  }),
  adjust: endpoint({
    method: 'POST',
    path: '/v1/stock/adjustments',
    tags: ['stock'],
    summary: 'Receive goods, write off shrinkage, correct, count, or import stock levels from the ERP',
    description:
      'receipt / shrinkage / correction lines move on hand by `delta`; count / erp_import lines set `onHand`. ' +
      'All lines or none. `adjustmentId` is made by the client: a retry answers with the first result (200). ' +
      'Where on hand falls below what is held, the newest holds are cut and their holders told why.',
    schema: {
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
  }),
  list: endpoint({
    method: 'GET',
    path: '/v1/stock',
    tags: ['stock'],
    summary: 'Stock per SKU: received, sold, on hand, held, available (the dashboard)',
    schema: {
      querystring: z.object({
        filter: z.enum(['all', 'low', 'held']).default('all').describe('low: below threshold; held: with holds'),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        cursor: skuSchema.optional(),
      }),
      response: {
        200: z.object({ items: z.array(stockLevelSchema), nextCursor: z.string().nullable() }),
        400: errorSchema,
      },
    },
  }),
  skuSettings: endpoint({
    method: 'PATCH',
    path: '/v1/stock/:sku/settings',
    tags: ['stock'],
    summary: "A SKU's low-stock threshold, per-customer limit and Redis buckets",
    description: '`buckets` (Redis mode, hot SKUs) takes effect when the SKU is next loaded into Redis.',
    schema: {
      params: z.object({ sku: skuSchema }),
      body: z
        .object({
          lowStockThreshold: z.number().int().min(0).max(1_000_000).optional(),
          maxPerHolder: z.number().int().min(1).max(1_000_000).nullable().optional(),
          buckets: z.number().int().min(1).max(64).optional(),
        })
        .refine(atLeastOne, 'give at least one setting'),
      response: { 200: stockLevelSchema, 400: errorSchema, 404: errorSchema },
    },
  }),
  storeSettings: endpoint({
    method: 'PATCH',
    path: '/v1/stock/settings',
    tags: ['stock'],
    summary: "The store's hold settings: hold lifetime, payment extension, per-customer limit",
    schema: {
      body: stockSettingsSchema.partial().refine(atLeastOne, 'give at least one setting'),
      response: { 200: stockSettingsSchema.required(), 400: errorSchema },
    },
  }),
  alerts: endpoint({
    method: 'GET',
    path: '/v1/stock/alerts',
    tags: ['stock'],
    summary: 'Low-stock alerts, newest first, with their delivery to the procurement webhook',
    schema: {
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: { 200: z.object({ items: z.array(lowStockAlertSchema) }), 400: errorSchema },
    },
  }),
};
