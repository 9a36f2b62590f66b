import { z } from 'zod';
import { clientIdSchema, currencyCodeSchema, errorSchema, moneySchema } from './common';
import { endpoint } from './endpoint';
import { holderIdSchema } from './holds';

const decimalAmount = z.string().regex(/^\d{1,12}(\.\d{1,4})?$/, 'must be a decimal string like "19.99"');

export const paymentSchema = z.object({
  method: z.enum(['card', 'cash', 'gift_card', 'voucher', 'other']),
  reference: z.string().trim().min(1).max(200).describe("The payment provider's authorization or capture id"),
  amount: z
    .object({ amount: decimalAmount, currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code') })
    .optional()
    .describe('When given, it must equal the order total'),
});

export const orderSchema = z.object({
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
  pricing: z.record(z.string(), z.unknown()).describe('How the order was priced: rules and rates snapshots, currency'),
  createdAt: z.string(),
});

export const orderEndpoints = {
  place: endpoint({
    method: 'POST',
    path: '/v1/orders',
    tags: ['orders'],
    summary: "Place an order from a holder's holds: priced and final",
    description:
      'Send an `Idempotency-Key` header (made by the client, e.g. a UUID): the same key always answers with the ' +
      'same order (201, header `Idempotent-Replayed: true`); the same key with a different body is a 422. In one ' +
      'PostgreSQL transaction the held units become sold; a hold that expired or is gone refuses the whole order ' +
      '(409 HOLD_EXPIRED / NO_HOLD) and changes nothing. Priced by the pricing service like POST /v1/carts/price ' +
      '(customer, coupons, currency).',
    schema: {
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
        customerId: clientIdSchema.optional().describe('A customer of the store: their segments apply'),
        coupons: z.array(z.string().trim().min(1).max(64)).max(20).optional(),
        currency: currencyCodeSchema.optional().describe('Default: the shopper’s country (GeoIP), else the store’s'),
      }),
      response: { 201: orderSchema, 400: errorSchema, 409: errorSchema, 422: errorSchema, 503: errorSchema },
    },
  }),
  get: endpoint({
    method: 'GET',
    path: '/v1/orders/:orderId',
    tags: ['orders'],
    summary: 'One order',
    schema: {
      params: z.object({ orderId: z.string().uuid('must be an order id (UUID)') }),
      response: { 200: orderSchema, 400: errorSchema, 404: errorSchema },
    },
  }),
};
