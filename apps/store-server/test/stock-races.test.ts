import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStockAuthority } from '../src/stock/postgres/authority';
import { createTestDatabase, type TestDatabase } from './support';

const STORE = 'demo';

/**
 * Races that random interleavings hit only now and then, replayed step by step with two
 * connections: one holds a transaction open at the exact point where the other must wait.
 */
describe('stock races in Postgres mode, replayed', () => {
  let db: TestDatabase;
  let authority: PostgresStockAuthority;
  let sku: string;

  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
    authority = new PostgresStockAuthority({ db: db.pool });
    const { rows } = await db.pool.query<{ sku: string }>('SELECT sku FROM products ORDER BY sku LIMIT 1');
    sku = rows[0]?.sku ?? '';
    await db.pool.query(`DELETE FROM holds WHERE store_id = $1 AND sku = $2`, [STORE, sku]);
    await db.pool.query(
      `UPDATE stock_levels SET received = 5, sold = 0, held = 0, low_stock_since = NULL WHERE store_id = $1 AND sku = $2`,
      [STORE, sku],
    );
  });
  afterAll(async () => {
    await authority.stop();
    await db.drop();
  });

  it('a hold lowered while a shrinkage cuts it is decided again on what is left, never below zero', async () => {
    const granted = await authority.setHold({ storeId: STORE, sku, holderId: 'shopper', qty: 3 });
    expect(granted.ok).toBe(true);

    // A shrinkage of all 5 units leaves nothing on hand, so the hold (3 units) is cut entirely.
    const adjust = await db.pool.connect();
    try {
      await adjust.query('BEGIN');
      await adjust.query(`SELECT stock_apply_movement($1, $2, 'shrinkage', -5, 0, $3, NULL, true, 'shrinkage')`, [
        STORE,
        sku,
        uuidv7(),
      ]);
      // The shopper lowers the hold to 2 while the cut is not yet committed: the decision reads
      // the hold as 3 units and must wait for the stock row.
      const lowering = authority.setHold({ storeId: STORE, sku, holderId: 'shopper', qty: 2 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await adjust.query('COMMIT');
      const result = await lowering;

      // The hold is gone and nothing is on hand: asking for 2 now is refused as sold out.
      expect(result).toMatchObject({ ok: false, refusal: { code: 'SOLD_OUT' } });
    } finally {
      adjust.release();
    }
    const { rows } = await db.pool.query<{ received: number; sold: number; held: number; holds: number }>(
      `SELECT received::int, sold::int, held::int,
              (SELECT coalesce(sum(qty), 0)::int FROM holds WHERE store_id = $1 AND sku = $2 AND state = 'active') AS holds
       FROM stock_levels WHERE store_id = $1 AND sku = $2`,
      [STORE, sku],
    );
    expect(rows[0]).toEqual({ received: 0, sold: 0, held: 0, holds: 0 });
  });
});
