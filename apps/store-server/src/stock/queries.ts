import type pg from 'pg';
import type { Availability, Hold, HoldState } from './authority';

/** Reads of stock state from PostgreSQL shared by both modes (never used to decide a hold). */

interface HoldRow {
  id: string;
  store_id: string;
  sku: string;
  holder_id: string;
  cart_id: string | null;
  qty: number;
  state: HoldState;
  expires_at: Date;
  end_reason: string | null;
  order_id: string | null;
}

export const HOLD_COLUMNS = 'id, store_id, sku, holder_id, cart_id, qty, state, expires_at, end_reason, order_id';

export function holdFromRow(r: HoldRow): Hold {
  return {
    holdId: r.id,
    storeId: r.store_id,
    sku: r.sku,
    holderId: r.holder_id,
    cartId: r.cart_id,
    qty: r.qty,
    state: r.state,
    expiresAt: r.expires_at.getTime(),
    reason: r.end_reason,
    orderId: r.order_id,
  };
}

export async function loadHold(db: pg.Pool | pg.PoolClient, storeId: string, holdId: string) {
  const { rows } = await db.query<HoldRow>(`SELECT ${HOLD_COLUMNS} FROM holds WHERE id = $1 AND store_id = $2`, [
    holdId,
    storeId,
  ]);
  return rows[0] ? holdFromRow(rows[0]) : undefined;
}

export async function loadHoldsOf(db: pg.Pool, storeId: string, holderId: string, now: number): Promise<Hold[]> {
  const { rows } = await db.query<HoldRow>(
    `SELECT ${HOLD_COLUMNS} FROM holds
     WHERE store_id = $1 AND holder_id = $2 AND state = 'active' AND expires_at > $3 ORDER BY sku`,
    [storeId, holderId, new Date(now)],
  );
  return rows.map(holdFromRow);
}

/** onHand, held and available of many SKUs in one query; SKUs without stock in the store are left out. */
export async function loadAvailability(
  db: pg.Pool | pg.PoolClient,
  storeId: string,
  skus: readonly string[],
): Promise<Map<string, Availability>> {
  const result = new Map<string, Availability>();
  if (skus.length === 0) return result;
  const { rows } = await db.query<{ sku: string; on_hand: string; held: string }>(
    `SELECT sku, received - sold AS on_hand, held FROM stock_levels WHERE store_id = $1 AND sku = ANY($2::text[])`,
    [storeId, [...skus]],
  );
  for (const r of rows) {
    const onHand = Number(r.on_hand);
    const held = Number(r.held);
    result.set(r.sku, { sku: r.sku, onHand, held, available: onHand - held });
  }
  return result;
}
