import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { applyPricingChange, type EmitPricingEvent } from '../pricing/pricing-change';
import { idempotentWrite, type WriteResult } from './idempotency';
import { storeIn } from './store-param';

/** What a pricing write sees: its transaction, the store it acts on, and how to announce changes. */
export interface PricingWriteContext {
  client: pg.PoolClient;
  storeId: string;
  emit: EmitPricingEvent;
}

/**
 * A manager's change of the request's store's pricing data, as every pricing route makes it:
 * guarded by the Idempotency-Key, in one transaction, versioned by `applyPricingChange`.
 * `respond` turns the change's result and the pricing version it left into the answer.
 */
export function pricingWrite<R, B>(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  change: (context: PricingWriteContext) => Promise<R>,
  respond: (result: R, version: number, client: pg.PoolClient) => WriteResult<B> | Promise<WriteResult<B>>,
): Promise<B> {
  const storeId = storeIn(request);
  return idempotentWrite(app.db, request, reply, storeId, async (client) => {
    const { result, versions } = await applyPricingChange(client, [storeId], (emit) =>
      change({ client, storeId, emit }),
    );
    return respond(result, versions.get(storeId) ?? 0, client);
  });
}
