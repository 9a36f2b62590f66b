import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { STOREFRONT_UP, storeOf } from '../auth/plugin';
import { notFound } from '../errors';
import { placeOrder } from '../orders/checkout';
import { loadOrder } from '../orders/orders';
import { minorUnitDigits } from '../orders/pricing';
import { holderIdSchema } from './holds';
import { errorSchema, moneySchema } from './schemas';

const decimalAmount = z.string().regex(/^\d{1,12}(\.\d{1,4})?$/, 'must be a decimal string like "19.99"');

const paymentSchema = z.object({
  method: z.enum(['card', 'cash', 'gift_card', 'voucher', 'other']),
  reference: z.string().trim().min(1).max(200).describe("The payment provider's authorization or capture id"),
  amount: z
    .object({ amount: decimalAmount, currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code') })
    .optional()
    .describe('When given, it must equal the order total'),
});

const orderSchema = z.object({
  orderId: z.string(),
  storeId: z.string(),
  holderId: z.string(),
  status: z.literal('placed'),
  currency: z.string(),
  lines: z.array(
    z.object({
      lineNo: z.number().int(),
      sku: z.string(),
      name: z.string(),
      qty: z.number().int(),
      unitPrice: moneySchema,
      discount: moneySchema,
      lineTotal: moneySchema,
      tax: moneySchema,
      holdId: z.string(),
    }),
  ),
  subtotal: moneySchema,
  discount: moneySchema,
  tax: moneySchema,
  total: moneySchema,
  payment: paymentSchema,
  pricing: z.record(z.string(), z.unknown()).describe('How the order was priced'),
  createdAt: z.string(),
});

export const orderRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/orders',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['orders'],
        summary: "Place an order from a holder's holds: priced and final",
        description:
          'Send an `Idempotency-Key` header (made by the client, e.g. a UUID): the same key always answers with ' +
          'the same order (201, header `Idempotent-Replayed: true`); the same key with a different body is a 422. ' +
          'In one PostgreSQL transaction the held units become sold; a hold that expired or is gone refuses the ' +
          'whole order (409 HOLD_EXPIRED / NO_HOLD) and changes nothing.',
        headers: z.object({
          'idempotency-key': z
            .string({ message: 'is required: a key made by the client, e.g. a UUID' })
            .trim()
            .min(1)
            .max(200),
        }),
        body: z.object({
          holderId: holderIdSchema,
          holdIds: z.array(z.string().uuid('must be a hold id (UUID)')).min(1, 'needs at least one hold').max(200),
          payment: paymentSchema,
        }),
        response: { 201: orderSchema, 400: errorSchema, 409: errorSchema, 422: errorSchema, 503: errorSchema },
      },
    },
    async (request, reply) => {
      const { order, replayed } = await placeOrder(
        {
          db: app.db,
          authority: app.stock,
          clock: Date.now,
          onFeedError: (error) => request.log.warn({ err: error }, 'stock feed not applied yet'),
        },
        { storeId: storeOf(request), ...request.body, idempotencyKey: request.headers['idempotency-key'] },
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(order);
    },
  );

  app.get(
    '/v1/orders/:orderId',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['orders'],
        summary: 'One order',
        params: z.object({ orderId: z.string().uuid('must be an order id (UUID)') }),
        response: { 200: orderSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { orderId } = request.params;
      const found = await loadOrder(app.db, storeOf(request), { orderId }, minorUnitDigits);
      if (!found) throw notFound(`Order ${orderId}`, { orderId });
      return found.order;
    },
  );
};
