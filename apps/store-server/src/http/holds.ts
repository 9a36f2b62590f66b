import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { STOREFRONT_UP, storeOf } from '../auth/plugin';
import { AppError } from '../errors';
import type { Hold, HoldResult, Refusal } from '../stock/authority';
import { holdProblem } from '../stock/refusals';
import { errorSchema, skuSchema } from './schemas';

/** Who holds: a customer id or a guest/session id, as the storefront names them. */
export const holderIdSchema = z
  .string()
  .regex(/^[\w.:@+-]{1,200}$/, 'must be 1–200 letters, digits or . _ : @ + -')
  .describe('A customer id, or a guest/session id');

export const qtySchema = z
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

export const toHoldJson = (h: Hold) => ({ ...h, expiresAt: new Date(h.expiresAt).toISOString() });

const holdIdParams = z.object({ holdId: z.string().uuid('must be a hold id (UUID)') });

const STATUS_OF: Record<Refusal['code'], number> = {
  SOLD_OUT: 409,
  HELD_BY_OTHERS: 409,
  ALREADY_HOLDS_LAST: 409,
  NOT_ENOUGH: 409,
  LIMIT_PER_CUSTOMER: 409,
  HOLD_EXPIRED: 409,
  NO_HOLD: 404,
  UNKNOWN_SKU: 404,
};

export function refusalError(refusal: Refusal): AppError {
  const { code, message, ...details } = refusal;
  return new AppError(STATUS_OF[code], code, message, details);
}

function holdOrThrow(result: HoldResult) {
  if (!result.ok) throw refusalError(result.refusal);
  return result;
}

const refusalResponses = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema };

export const holdRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/holds',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['holds'],
        summary: "Hold stock for a shopper's cart",
        description:
          'A holder has at most one hold per SKU: `qty` is how many units the holder wants held in total, so ' +
          'a retry is safe. 201 when a hold was granted, 200 when the existing hold was set to `qty`. A refusal ' +
          'is a 409 whose code says why (SOLD_OUT, HELD_BY_OTHERS with firstExpiresAt, ALREADY_HOLDS_LAST, ' +
          'NOT_ENOUGH with available, LIMIT_PER_CUSTOMER with limit); nothing changes on a refusal.',
        body: z.object({
          sku: skuSchema,
          qty: qtySchema,
          holderId: holderIdSchema,
          cartId: holderIdSchema.optional().describe('The cart the hold belongs to'),
        }),
        response: { 200: holdSchema, 201: holdSchema, ...refusalResponses },
      },
    },
    async (request, reply) => {
      const storeId = storeOf(request);
      const { sku, qty, holderId, cartId } = request.body;
      const result = holdOrThrow(await app.stock.setHold({ storeId, sku, qty, holderId, cartId }));
      return reply.status(result.created ? 201 : 200).send(toHoldJson(result.hold));
    },
  );

  app.get(
    '/v1/holds/:holdId',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['holds'],
        summary: 'A hold, active or ended (with why it ended)',
        params: holdIdParams,
        response: { 200: holdSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const hold = await app.stock.getHold(storeOf(request), request.params.holdId);
      if (!hold) throw refusalError({ code: 'NO_HOLD', message: `There is no hold ${request.params.holdId}` });
      return toHoldJson(hold);
    },
  );

  app.patch(
    '/v1/holds/:holdId',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['holds'],
        summary: 'Change the quantity of a hold; the stock follows atomically',
        params: holdIdParams,
        body: z.object({ qty: qtySchema }),
        response: { 200: holdSchema, ...refusalResponses },
      },
    },
    async (request) => {
      const { holdId } = request.params;
      const result = holdOrThrow(
        await app.stock.changeHold({ storeId: storeOf(request), holdId, qty: request.body.qty }),
      );
      return toHoldJson(result.hold);
    },
  );

  app.delete(
    '/v1/holds/:holdId',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['holds'],
        summary: 'Release a hold (the item left the cart); releasing again changes nothing',
        params: holdIdParams,
        response: { 200: holdSchema, ...refusalResponses },
      },
    },
    async (request) => {
      const result = holdOrThrow(await app.stock.releaseHold(storeOf(request), request.params.holdId));
      return toHoldJson(result.hold);
    },
  );

  app.post(
    '/v1/holds/:holdId/extend',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['holds'],
        summary: "A payment is pending: keep the hold for the store's payment extension (minutes) more",
        params: holdIdParams,
        response: { 200: holdSchema, ...refusalResponses },
      },
    },
    async (request) => {
      const storeId = storeOf(request);
      const settings = await app.stockSettings.get(storeId);
      const extendMs = settings?.paymentExtensionMs ?? 10 * 60_000;
      const result = holdOrThrow(await app.stock.extendHold(storeId, request.params.holdId, extendMs));
      return toHoldJson(result.hold);
    },
  );

  app.post(
    '/v1/holds/validate',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['holds'],
        summary: "Check a cart's holds when it is loaded or updated",
        description:
          'For each hold: still active (with its quantity, which a stock decrease may have cut), or the reason ' +
          'it is gone (HOLD_EXPIRED, NO_HOLD with why: released, cut, converted).',
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
    },
    async (request) => {
      const storeId = storeOf(request);
      const { holderId, holdIds } = request.body;
      const holds = await Promise.all(
        holdIds.map(async (holdId) => {
          const hold = await app.stock.getHold(storeId, holdId);
          const problem = holdProblem(hold, holdId, holderId, Date.now());
          return {
            holdId,
            ok: !problem,
            hold: hold ? toHoldJson(hold) : null,
            problem: problem ? { ...problem } : null,
          };
        }),
      );
      return { valid: holds.every((h) => h.ok), holds };
    },
  );

  app.get(
    '/v1/holders/:holderId/holds',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['holds'],
        summary: 'The active holds of a holder',
        params: z.object({ holderId: holderIdSchema }),
        response: { 200: z.object({ items: z.array(holdSchema) }), 400: errorSchema },
      },
    },
    async (request) => {
      const holds = await app.stock.holdsOf(storeOf(request), request.params.holderId);
      return { items: holds.map(toHoldJson) };
    },
  );

  app.post(
    '/v1/holders/:guestId/transfer',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['holds'],
        summary: "A guest logged in: move the guest's holds to the user",
        description:
          "Where the user already holds the same SKU, the two holds merge into the user's (up to the per-customer " +
          'limit; units beyond it are released).',
        params: z.object({ guestId: holderIdSchema }),
        body: z.object({ toHolderId: holderIdSchema }),
        response: {
          200: z.object({ holds: z.array(holdSchema), releasedUnits: z.number().int() }),
          400: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request) => {
      const { guestId } = request.params;
      const { toHolderId } = request.body;
      if (guestId === toHolderId) {
        throw new AppError(400, 'VALIDATION_FAILED', 'The request is not valid: body.toHolderId: is the same holder', {
          fields: [{ field: 'body.toHolderId', problem: 'is the same holder' }],
        });
      }
      const result = await app.stock.transferHolds(storeOf(request), guestId, toHolderId);
      return { holds: result.holds.map(toHoldJson), releasedUnits: result.releasedUnits };
    },
  );
};
