import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { routeOf } from '../api/endpoint';
import { holdEndpoints as api } from '../api/holds';
import { STOREFRONT_UP } from '../auth/plugin';
import { AppError } from '../errors';
import type { Hold, HoldResult, Refusal } from '../stock/authority';
import { holdProblem } from '../stock/refusals';
import { plainJsonSerializer } from './fast-serializer';
import { storeIn } from './store-param';

/** A hold as the API shows it: exactly the fields of its schema (so it can go out as plain JSON). */
export const toHoldJson = (h: Hold) => ({
  holdId: h.holdId,
  storeId: h.storeId,
  sku: h.sku,
  holderId: h.holderId,
  cartId: h.cartId,
  qty: h.qty,
  state: h.state,
  expiresAt: new Date(h.expiresAt).toISOString(),
  reason: h.reason,
  orderId: h.orderId,
});

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

/** A refusal as the one error shape: `{ error: { code, message, ...its numbers } }`. */
export function refusalError(refusal: Refusal): AppError {
  const { code, message, ...details } = refusal;
  return new AppError(STATUS_OF[code], code, message, details);
}

function holdOrThrow(result: HoldResult) {
  if (!result.ok) throw refusalError(result.refusal);
  return result;
}

export const holdRoutes: FastifyPluginAsyncZod = async (app) => {
  app.route({
    ...routeOf(api.create),
    config: { roles: STOREFRONT_UP },
    // The hot route of a flash sale: the answer is built field by field above, so it goes out
    // as plain JSON rather than through a zod parse of the schema first (see fast-serializer).
    serializerCompiler: plainJsonSerializer,
    handler: async (request, reply) => {
      const { sku, qty, holderId, cartId } = request.body;
      const result = holdOrThrow(await app.stock.setHold({ storeId: storeIn(request), sku, qty, holderId, cartId }));
      return reply.status(result.created ? 201 : 200).send(toHoldJson(result.hold));
    },
  });

  app.route({
    ...routeOf(api.get),
    config: { roles: STOREFRONT_UP },
    handler: async (request) => {
      const hold = await app.stock.getHold(storeIn(request), request.params.holdId);
      if (!hold) throw refusalError({ code: 'NO_HOLD', message: `There is no hold ${request.params.holdId}` });
      return toHoldJson(hold);
    },
  });

  app.route({
    ...routeOf(api.change),
    config: { roles: STOREFRONT_UP },
    handler: async (request) => {
      const change = { storeId: storeIn(request), holdId: request.params.holdId, qty: request.body.qty };
      return toHoldJson(holdOrThrow(await app.stock.changeHold(change)).hold);
    },
  });

  app.route({
    ...routeOf(api.release),
    config: { roles: STOREFRONT_UP },
    handler: async (request) =>
      toHoldJson(holdOrThrow(await app.stock.releaseHold(storeIn(request), request.params.holdId)).hold),
  });

  app.route({
    ...routeOf(api.extend),
    config: { roles: STOREFRONT_UP },
    handler: async (request) => {
      const storeId = storeIn(request);
      const settings = await app.stockSettings.get(storeId);
      const extendMs = settings?.paymentExtensionMs ?? 10 * 60_000;
      return toHoldJson(holdOrThrow(await app.stock.extendHold(storeId, request.params.holdId, extendMs)).hold);
    },
  });

  app.route({
    ...routeOf(api.validate),
    config: { roles: STOREFRONT_UP },
    handler: async (request) => {
      const storeId = storeIn(request);
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
  });

  app.route({
    ...routeOf(api.ofHolder),
    config: { roles: STOREFRONT_UP },
    handler: async (request) => ({
      items: (await app.stock.holdsOf(storeIn(request), request.params.holderId)).map(toHoldJson),
    }),
  });

  app.route({
    ...routeOf(api.transfer),
    config: { roles: STOREFRONT_UP },
    handler: async (request) => {
      const { guestId } = request.params;
      const { toHolderId } = request.body;
      if (guestId === toHolderId) {
        throw new AppError(400, 'VALIDATION_FAILED', 'The request is not valid: body.toHolderId: is the same holder', {
          fields: [{ field: 'body.toHolderId', problem: 'is the same holder' }],
        });
      }
      const result = await app.stock.transferHolds(storeIn(request), guestId, toHolderId);
      return { holds: result.holds.map(toHoldJson), releasedUnits: result.releasedUnits };
    },
  });
};
