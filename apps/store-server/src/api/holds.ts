import { z } from 'zod';
import { errorSchema, skuSchema } from './common';
import { endpoint } from './endpoint';

/** Who holds: a customer id or a guest/session id, as the storefront names them. */
export const holderIdSchema = z
  .string()
  .regex(/^[\w.:@+-]{1,200}$/, 'must be 1–200 letters, digits or . _ : @ + -')
  .describe('A customer id, or a guest/session id');

export const holdQtySchema = z
  .number({ message: 'must be a whole number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(10_000, 'must be at most 10,000');

export const holdSchema = z.object({
  holdId: z.string().uuid(),
  storeId: z.string(),
  sku: z.string(),
  holderId: z.string(),
  cartId: z.string().nullable(),
  qty: z.number().int(),
  state: z.enum(['active', 'released', 'expired', 'converted', 'cut']),
  expiresAt: z.string().describe('ISO 8601'),
  reason: z.string().nullable().describe('Why the hold ended or was reduced'),
  orderId: z.string().nullable(),
});

const holdIdParams = z.object({ holdId: z.string().uuid('must be a hold id (UUID)') });

/** Refusals: 409 with the reason and its numbers, 404 for an unknown SKU or hold, 503 while stock cannot be decided. */
const refusalResponses = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema };

export const holdEndpoints = {
  create: endpoint({
    method: 'POST',
    path: '/v1/holds',
    tags: ['holds'],
    summary: "Hold stock for a shopper's cart",
    description:
      'A holder has at most one hold per SKU: `qty` is how many units the holder wants held in total, so a retry ' +
      'is safe. 201 when a hold was granted, 200 when the existing hold was set to `qty`. A refusal is a 409 whose ' +
      'code says why (SOLD_OUT, HELD_BY_OTHERS with firstExpiresAt, ALREADY_HOLDS_LAST with youHold, NOT_ENOUGH ' +
      'with available, LIMIT_PER_CUSTOMER with limit); nothing changes on a refusal.',
    schema: {
      body: z.object({
        sku: skuSchema,
        qty: holdQtySchema,
        holderId: holderIdSchema,
        cartId: holderIdSchema.optional().describe('The cart the hold belongs to'),
      }),
      response: { 200: holdSchema, 201: holdSchema, ...refusalResponses },
    },
  }),
  get: endpoint({
    method: 'GET',
    path: '/v1/holds/:holdId',
    tags: ['holds'],
    summary: 'A hold, active or ended (with why it ended)',
    schema: { params: holdIdParams, response: { 200: holdSchema, 400: errorSchema, 404: errorSchema } },
  }),
  change: endpoint({
    method: 'PATCH',
    path: '/v1/holds/:holdId',
    tags: ['holds'],
    summary: 'Change the quantity of a hold; the stock follows atomically',
    schema: {
      params: holdIdParams,
      body: z.object({ qty: holdQtySchema }),
      response: { 200: holdSchema, ...refusalResponses },
    },
  }),
  release: endpoint({
    method: 'DELETE',
    path: '/v1/holds/:holdId',
    tags: ['holds'],
    summary: 'Release a hold (the item left the cart); releasing again changes nothing',
    schema: { params: holdIdParams, response: { 200: holdSchema, ...refusalResponses } },
  }),
  extend: endpoint({
    method: 'POST',
    path: '/v1/holds/:holdId/extend',
    tags: ['holds'],
    summary: "A payment is pending: keep the hold for the store's payment extension (minutes) more",
    schema: { params: holdIdParams, response: { 200: holdSchema, ...refusalResponses } },
  }),
  validate: endpoint({
    method: 'POST',
    path: '/v1/holds/validate',
    tags: ['holds'],
    summary: "Check a cart's holds when it is loaded or updated",
    description:
      'For each hold: still active (with its quantity, which a stock decrease may have cut), or the reason it is ' +
      'gone (HOLD_EXPIRED, NO_HOLD with why: released, cut, converted).',
    schema: {
      body: z.object({ holderId: holderIdSchema, holdIds: z.array(z.string().uuid()).min(1).max(200) }),
      response: {
        200: z.object({
          valid: z.boolean(),
          holds: z.array(
            z.object({
              holdId: z.string(),
              ok: z.boolean(),
              hold: holdSchema.nullable(),
              problem: errorSchema.shape.error.nullable(),
            }),
          ),
        }),
        400: errorSchema,
      },
    },
  }),
  ofHolder: endpoint({
    method: 'GET',
    path: '/v1/holders/:holderId/holds',
    tags: ['holds'],
    summary: 'The active holds of a holder',
    schema: {
      params: z.object({ holderId: holderIdSchema }),
      response: { 200: z.object({ items: z.array(holdSchema) }), 400: errorSchema },
    },
  }),
  transfer: endpoint({
    method: 'POST',
    path: '/v1/holders/:guestId/transfer',
    tags: ['holds'],
    summary: "A guest logged in: move the guest's holds to the user",
    description:
      "Where the user already holds the same SKU, the two holds merge into the user's (up to the per-customer " +
      'limit; units beyond it are released).',
    schema: {
      params: z.object({ guestId: holderIdSchema }),
      body: z.object({ toHolderId: holderIdSchema }),
      response: {
        200: z.object({ holds: z.array(holdSchema), releasedUnits: z.number().int() }),
        400: errorSchema,
        503: errorSchema,
      },
    },
  }),
};
