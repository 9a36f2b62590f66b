import { createHash } from 'node:crypto';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { appendEvents } from '../db/events';
import { inTransaction } from '../db/pool';
import { AppError } from '../errors';
import type { Clock, HoldState, Refusal, StockAuthority } from '../stock/authority';
import { holdProblem } from '../stock/refusals';
import { loadOrder, type Order, type Payment } from './orders';
import { minorUnitDigits, type OrderPricingOptions, type PricedOrder, type PriceOrder, paysTotal } from './pricing';

export interface PlaceOrderRequest extends OrderPricingOptions {
  storeId: string;
  holderId: string;
  holdIds: string[];
  payment: Payment;
  /** Made by the client; the same key always answers with the same order. */
  idempotencyKey: string;
}

export interface CheckoutDeps {
  db: pg.Pool;
  authority: StockAuthority;
  clock: Clock;
  /** Prices the order's lines (the pricing service). */
  price: PriceOrder;
  /** Called when applying the authority feed after the commit fails (the order stands; the feed is retried). */
  onFeedError?: (error: unknown) => void;
}

interface HoldCheckRow {
  id: string;
  sku: string;
  holder_id: string;
  qty: number;
  state: HoldState;
  expires_at: Date;
  end_reason: string | null;
}

const hashOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** Why each hold cannot be checked out (empty: all can). */
function holdProblems(requested: string[], rows: HoldCheckRow[], holderId: string, now: number): Refusal[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return requested.flatMap((holdId) => {
    const h = byId.get(holdId);
    const hold = h && {
      holderId: h.holder_id,
      state: h.state,
      expiresAt: h.expires_at.getTime(),
      sku: h.sku,
      reason: h.end_reason,
    };
    const problem = holdProblem(hold, holdId, holderId, now);
    return problem ? [problem] : [];
  });
}

function refuse(problems: Refusal[]): never {
  const first = problems[0];
  throw new AppError(
    409,
    first?.code ?? 'NO_HOLD',
    problems.length === 1
      ? (first?.message ?? 'A hold cannot be checked out')
      : `${problems.length} holds cannot be checked out: ${problems.map((p) => p.message).join('; ')}`,
    { problems },
  );
}

/**
 * Places an order from a holder's holds: in ONE PostgreSQL transaction the holds become
 * 'converted', each SKU's held units become sold through one conditional UPDATE under the
 * CHECK constraints (stock_sell_held), the order is priced and stored with its lines, and the
 * stock movements and events are written. Nothing changes when any hold cannot be checked out.
 * The same idempotency key returns the same order; with a different request, 422.
 */
export async function placeOrder(
  deps: CheckoutDeps,
  request: PlaceOrderRequest,
): Promise<{ order: Order; replayed: boolean }> {
  const holdIds = [...new Set(request.holdIds)];
  if (holdIds.length !== request.holdIds.length) {
    throw new AppError(400, 'VALIDATION_FAILED', 'The request is not valid: body.holdIds: a hold appears twice', {
      fields: [{ field: 'body.holdIds', problem: 'a hold appears twice' }],
    });
  }
  const requestHash = hashOf({
    holderId: request.holderId,
    holdIds: [...holdIds].sort(),
    payment: request.payment,
    customerId: request.customerId ?? null,
    coupons: request.coupons ?? [],
    currency: request.currency ?? null,
  });
  const byKey = () => loadOrder(deps.db, request.storeId, { idempotencyKey: request.idempotencyKey }, minorUnitDigits);
  const replay = async () => {
    const found = await byKey();
    return found && { order: sameRequestOrThrow(found, requestHash, request.idempotencyKey), replayed: true };
  };
  const earlier = await replay();
  if (earlier) return earlier;

  for (let attempt = 1; ; attempt++) {
    // Redis mode: every hold decided so far, by this server or another, must be in PostgreSQL
    // before the checkout reads them.
    await deps.authority.flush(holdIds);
    const orderId = uuidv7();
    let outcome: 'placed' | 'replay' | 'changed';
    try {
      // Priced from the holds as they are now; the transaction converts them only if they are still so.
      const seen = await readHolds(deps.db, request.storeId, holdIds);
      const problems = holdProblems(holdIds, seen, request.holderId, deps.clock());
      if (problems.length > 0) refuse(problems);
      const byId = new Map(seen.map((h) => [h.id, h]));
      const lines = holdIds.map((id) => ({ sku: byId.get(id)?.sku as string, qty: byId.get(id)?.qty as number }));
      const priced = await deps.price(request.storeId, lines, request);
      if (request.payment.amount && !paysTotal(request.payment.amount, priced)) {
        throw new AppError(
          409,
          'PAYMENT_MISMATCH',
          `The payment of ${request.payment.amount.amount} ${request.payment.amount.currency} does not match the order total of ${priced.total} ${priced.currency}`,
          { total: { amount: priced.total, currency: priced.currency } },
        );
      }
      // Redis mode: a change of these holds decided while they were priced reaches PostgreSQL
      // now, so that the transaction sees it and prices again.
      await deps.authority.flush(holdIds);
      outcome = await inTransaction(deps.db, async (client) => {
        const inserted = await client.query(
          `INSERT INTO orders (id, store_id, holder_id, idempotency_key, request_hash, currency, subtotal, tax, total, payment)
           SELECT $1, s.id, $3, $4, $5, $7, 0, 0, 0, $6 FROM stores s WHERE s.id = $2
           ON CONFLICT (store_id, idempotency_key) DO NOTHING`,
          [
            orderId,
            request.storeId,
            request.holderId,
            request.idempotencyKey,
            requestHash,
            JSON.stringify(request.payment),
            priced.currency,
          ],
        );
        // The same key was used by a request that committed while this one waited: answer with its order.
        if (inserted.rowCount === 0) return 'replay';
        return checkoutHolds(client, deps.clock(), orderId, request, holdIds, priced);
      });
    } catch (error) {
      if (error instanceof HoldsChanged) {
        outcome = 'changed';
      } else {
        // A request with the same key may have converted these holds first: answer with its order.
        const first = error instanceof AppError && error.statusCode === 409 ? await replay() : undefined;
        if (first) return first;
        throw error;
      }
    }
    if (outcome === 'replay') {
      const first = await replay();
      if (!first) throw new Error('an order with this idempotency key vanished');
      return first;
    }
    if (outcome === 'changed') {
      if (attempt < 3) continue;
      throw new AppError(409, 'HOLDS_CHANGED', 'The holds changed while the order was being placed; try again');
    }
    await deps.authority.applyFeed().catch((error) => deps.onFeedError?.(error));
    const order = await loadOrder(deps.db, request.storeId, { orderId }, minorUnitDigits);
    if (!order) throw new Error(`order ${orderId} was committed but cannot be read`);
    return { order: order.order, replayed: false };
  }
}

const readHolds = async (db: pg.Pool | pg.PoolClient, storeId: string, holdIds: string[]) =>
  (
    await db.query<HoldCheckRow>(
      `SELECT id, sku, holder_id, qty, state, expires_at, end_reason FROM holds WHERE store_id = $1 AND id = ANY($2::uuid[])`,
      [storeId, holdIds],
    )
  ).rows;

function sameRequestOrThrow(found: { order: Order; requestHash: string }, requestHash: string, key: string): Order {
  if (found.requestHash !== requestHash) {
    throw new AppError(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      `Idempotency-Key ${key} was already used for order ${found.order.orderId} with a different request; use a new key for a new order`,
      { orderId: found.order.orderId },
    );
  }
  return found.order;
}

/**
 * Thrown inside the order's transaction when the holds changed since they were read and priced:
 * the transaction rolls back (the order row and the holds' conversion with it), and the order
 * is read and priced again.
 */
class HoldsChanged extends Error {
  override name = 'HoldsChanged';
}

/** Inside the order's transaction: the holds become the order's, their units sold. */
async function checkoutHolds(
  client: pg.PoolClient,
  now: number,
  orderId: string,
  request: PlaceOrderRequest,
  holdIds: string[],
  priced: PricedOrder,
): Promise<'placed'> {
  // Lock order as everywhere: stock_levels rows (in SKU order), then holds.
  const skus = [...new Set(priced.lines.map((l) => l.sku))].sort();
  await client.query(
    `SELECT 1 FROM stock_levels WHERE store_id = $1 AND sku = ANY($2::text[]) ORDER BY sku FOR UPDATE`,
    [request.storeId, skus],
  );
  const converted = await client.query<{ id: string; sku: string; qty: number; payload: Record<string, unknown> }>(
    `UPDATE holds SET state = 'converted', order_id = $4, ended_at = $5, updated_at = $5, end_reason = $6
     WHERE store_id = $1 AND id = ANY($2::uuid[]) AND holder_id = $3 AND state = 'active' AND expires_at > $5
     RETURNING id, sku, qty, stock_hold_payload(holds.*) AS payload`,
    [request.storeId, holdIds, request.holderId, orderId, new Date(now), `Became order ${orderId}`],
  );
  if (converted.rowCount !== holdIds.length) {
    const problems = holdProblems(holdIds, await readHolds(client, request.storeId, holdIds), request.holderId, now);
    if (problems.length > 0) refuse(problems);
    throw new HoldsChanged('a hold changed since the order was priced');
  }
  const byId = new Map(converted.rows.map((r) => [r.id, r]));
  const ordered = holdIds.map((id) => byId.get(id) as (typeof converted.rows)[number]);
  // Priced as they were read; a hold changed since then means pricing again.
  if (ordered.some((h, i) => h.sku !== priced.lines[i]?.sku || h.qty !== priced.lines[i]?.qty)) {
    throw new HoldsChanged('a hold changed since the order was priced');
  }

  for (const sku of skus) {
    const lines = ordered.filter((r) => r.sku === sku);
    await client.query(`SELECT stock_sell_held($1, $2, $3, $4, $5)`, [
      request.storeId,
      sku,
      lines.reduce((n, r) => n + r.qty, 0),
      orderId,
      // `ended`: the whole hold is over, even where the authority holds more of it than PostgreSQL
      // knew (Redis mode: a raise decided just before this transaction).
      JSON.stringify(lines.map((r) => ({ holdId: r.id, qty: r.qty, ended: true }))),
    ]);
  }
  await client.query(
    `INSERT INTO order_lines (order_id, line_no, sku, name, qty, unit_price, discount, line_total, tax, hold_id)
     SELECT $1, n, x.s, p.name, q, up, d, lt, t, h
     FROM unnest($2::int[], $3::text[], $4::int[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::uuid[])
       AS x(n, s, q, up, d, lt, t, h)
     JOIN products p ON p.sku = x.s`,
    [
      orderId,
      priced.lines.map((_, i) => i + 1),
      priced.lines.map((l) => l.sku),
      priced.lines.map((l) => l.qty),
      priced.lines.map((l) => l.unitPrice),
      priced.lines.map((l) => l.discount),
      priced.lines.map((l) => l.lineTotal),
      priced.lines.map((l) => l.tax),
      ordered.map((r) => r.id),
    ],
  );
  await client.query(
    `UPDATE orders SET currency = $2, subtotal = $3, discount = $4, tax = $5, total = $6, pricing = $7 WHERE id = $1`,
    [
      orderId,
      priced.currency,
      priced.subtotal,
      priced.discount,
      priced.tax,
      priced.total,
      JSON.stringify(priced.pricing),
    ],
  );
  const order = await loadOrder(client, request.storeId, { orderId }, minorUnitDigits);
  await appendEvents(client, [
    ...ordered.map((r) => ({ storeId: request.storeId, type: 'hold.converted', payload: r.payload })),
    { storeId: request.storeId, type: 'order.placed', payload: { ...order?.order } },
  ]);
  return 'placed';
}
