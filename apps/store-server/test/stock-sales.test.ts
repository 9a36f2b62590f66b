import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/db/pool';
import { recordSale } from '../src/stock/sales';
import { createTestDatabase, type TestDatabase } from './support';

const STORE = 'demo';

describe('offline sales (recordSale)', () => {
  let db: TestDatabase;
  let skus: string[];

  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
    const { rows } = await db.pool.query<{ sku: string }>('SELECT sku FROM products ORDER BY sku LIMIT 40');
    skus = rows.map((r) => r.sku);
  });
  afterAll(() => db.drop());

  const sku = (i: number) => {
    const s = skus[i];
    if (!s) throw new Error(`no SKU ${i}`);
    return s;
  };

  async function setStock(s: string, received: number) {
    await db.pool.query(`DELETE FROM holds WHERE store_id = $1 AND sku = $2`, [STORE, s]);
    await db.pool.query(
      `UPDATE stock_levels SET received = $3, sold = 0, held = 0, low_stock_since = NULL WHERE store_id = $1 AND sku = $2`,
      [STORE, s, received],
    );
  }

  /** A hold as the authority makes it: the row and the held counter together, never beyond on hand. */
  async function hold(s: string, holderId: string, qty: number, createdAt: Date) {
    const id = uuidv7();
    await inTransaction(db.pool, async (client) => {
      const updated = await client.query(
        `UPDATE stock_levels SET held = held + $3 WHERE store_id = $1 AND sku = $2 AND received - sold - held >= $3`,
        [STORE, s, qty],
      );
      if (updated.rowCount !== 1) throw new Error('not enough stock for the test hold');
      await client.query(
        `INSERT INTO holds (id, store_id, sku, holder_id, qty, expires_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, now() + interval '15 minutes', $6, $6)`,
        [id, STORE, s, holderId, qty, createdAt],
      );
    });
    return id;
  }

  async function level(s: string) {
    const { rows } = await db.pool.query<{ received: string; sold: string; held: string; version: string }>(
      `SELECT received, sold, held, version FROM stock_levels WHERE store_id = $1 AND sku = $2`,
      [STORE, s],
    );
    const r = rows[0];
    if (!r) throw new Error(`no stock row for ${s}`);
    return { received: Number(r.received), sold: Number(r.sold), held: Number(r.held), version: Number(r.version) };
  }

  async function activeHolds(s: string) {
    const { rows } = await db.pool.query<{ id: string; qty: number; state: string; end_reason: string | null }>(
      `SELECT id, qty, state, end_reason FROM holds WHERE store_id = $1 AND sku = $2 ORDER BY created_at`,
      [STORE, s],
    );
    return rows;
  }

  const sell = (saleId: string, lines: Array<{ sku: string; qty: number }>) =>
    inTransaction(db.pool, (client) => recordSale(client, { storeId: STORE, saleId, lines }));

  it('records a sale within stock as a movement, an event and a new state', async () => {
    const s = sku(0);
    await setStock(s, 50);
    const saleId = uuidv7();
    const before = await level(s);
    const result = await sell(saleId, [
      { sku: s, qty: 2 },
      { sku: s, qty: 1 },
    ]);
    expect(result.duplicate).toBe(false);
    expect(result.lines).toEqual([
      {
        sku: s,
        qty: 3,
        recorded: true,
        unknownSku: false,
        onHandBefore: 50,
        availableBefore: 50,
        shortfall: 0,
        holdsTaken: [],
        after: { received: 50, sold: 3, held: 0, onHand: 47, available: 47 },
      },
    ]);
    expect(await level(s)).toEqual({ received: 50, sold: 3, held: 0, version: before.version + 1 });
    const movement = await db.pool.query(
      `SELECT kind, sold_delta, shortfall FROM stock_movements WHERE source_id = $1`,
      [saleId],
    );
    expect(movement.rows).toEqual([{ kind: 'offline_sale', sold_delta: '3', shortfall: '0' }]);
    const events = await db.pool.query<{ type: string; payload: Record<string, unknown> }>(
      `SELECT type, payload FROM events WHERE payload->>'sku' = $1 OR payload->>'saleId' = $2 ORDER BY seq`,
      [s, saleId],
    );
    expect(events.rows.map((e) => e.type)).toEqual(['stock.changed', 'stock.sold_offline']);
    expect(events.rows[0]?.payload).toMatchObject({ sku: s, storeId: STORE, onHand: 47, held: 0, available: 47 });
    const feed = await db.pool.query(`SELECT on_hand_delta, holds_taken FROM stock_authority_feed WHERE sku = $1`, [s]);
    expect(feed.rows).toEqual([{ on_hand_delta: '-3', holds_taken: [] }]);
  });

  it('applies a sale id at most once', async () => {
    const s = sku(1);
    await setStock(s, 20);
    const saleId = uuidv7();
    await sell(saleId, [{ sku: s, qty: 4 }]);
    const again = await sell(saleId, [{ sku: s, qty: 4 }]);
    expect(again).toEqual({ duplicate: true, lines: [] });
    expect((await level(s)).sold).toBe(4);
  });

  it('cuts the newest holds first, only by what it must, and tells their holders why', async () => {
    const s = sku(2);
    await setStock(s, 10);
    const t = Date.now() - 60_000;
    const oldest = await hold(s, 'alice', 3, new Date(t));
    const middle = await hold(s, 'bob', 3, new Date(t + 1_000));
    const newest = await hold(s, 'carol', 2, new Date(t + 2_000));
    // available 2; selling 5 in the shop leaves on hand 5 with 8 held: 3 units must come back.
    const saleId = uuidv7();
    const [line] = (await sell(saleId, [{ sku: s, qty: 5 }])).lines;
    expect(line).toMatchObject({ onHandBefore: 10, availableBefore: 2, shortfall: 3 });
    expect(line?.holdsTaken).toEqual([
      { holdId: newest, holderId: 'carol', taken: 2, qtyLeft: 0 },
      { holdId: middle, holderId: 'bob', taken: 1, qtyLeft: 2 },
    ]);
    expect(await level(s)).toMatchObject({ received: 10, sold: 5, held: 5 });
    const holds = await activeHolds(s);
    expect(holds.map((h) => [h.id, h.qty, h.state])).toEqual([
      [oldest, 3, 'active'],
      [middle, 2, 'active'],
      [newest, 2, 'cut'],
    ]);
    expect(holds[2]?.end_reason).toContain(saleId);
    const cuts = await db.pool.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM events WHERE type = 'hold.cut' AND payload->>'sku' = $1 ORDER BY seq`,
      [s],
    );
    expect(cuts.rows.map((r) => r.payload)).toMatchObject([
      { holdId: newest, holderId: 'carol', state: 'cut', qty: 2, taken: 2 },
      { holdId: middle, holderId: 'bob', state: 'active', qty: 2, taken: 1 },
    ]);
    const feed = await db.pool.query(`SELECT holds_taken FROM stock_authority_feed WHERE sku = $1`, [s]);
    expect(feed.rows[0]?.holds_taken).toEqual([
      { holdId: newest, qty: 2 },
      { holdId: middle, qty: 1 },
    ]);
  });

  it('lets a sale beyond on hand stand; then nothing can be held until stock comes in', async () => {
    const s = sku(3);
    await setStock(s, 4);
    await hold(s, 'dave', 2, new Date());
    const [line] = (await sell(uuidv7(), [{ sku: s, qty: 7 }])).lines;
    expect(line).toMatchObject({ recorded: true, onHandBefore: 4, availableBefore: 2, shortfall: 5 });
    expect(line?.after).toEqual({ received: 4, sold: 7, held: 0, onHand: -3, available: -3 });
    // The constraint keeps online holds strict while on hand is negative.
    await expect(
      db.pool.query(`UPDATE stock_levels SET held = held + 1 WHERE store_id = $1 AND sku = $2`, [STORE, s]),
    ).rejects.toThrow(/stock_levels_holds_within_on_hand/);
  });

  it('records known SKUs and reports unknown ones', async () => {
    const s = sku(4);
    await setStock(s, 9);
    const result = await sell(uuidv7(), [
      { sku: 'NO-SUCH-SKU', qty: 1 },
      { sku: s, qty: 1 },
    ]);
    // Lines come back one per SKU, in SKU order.
    expect(result.lines.map((l) => [l.sku, l.recorded, l.unknownSku])).toEqual([
      [s, true, false],
      ['NO-SUCH-SKU', false, true],
    ]);
    expect((await level(s)).sold).toBe(1);
  });

  it('changes nothing when the caller rolls back, or when a quantity is not a positive whole number', async () => {
    const s = sku(5);
    await setStock(s, 9);
    await expect(
      inTransaction(db.pool, async (client) => {
        await recordSale(client, { storeId: STORE, saleId: uuidv7(), lines: [{ sku: s, qty: 2 }] });
        throw new Error('the sync batch failed');
      }),
    ).rejects.toThrow('the sync batch failed');
    for (const qty of [0, -1, 1.5, Number.NaN]) {
      await expect(sell(uuidv7(), [{ sku: s, qty }])).rejects.toThrow(/whole number/);
    }
    expect(await level(s)).toMatchObject({ received: 9, sold: 0 });
  });

  it('alerts once when available crosses below the threshold, not once per sale', async () => {
    const s = sku(6);
    await setStock(s, 14);
    await db.pool.query(`UPDATE stock_levels SET low_stock_threshold = 10 WHERE store_id = $1 AND sku = $2`, [
      STORE,
      s,
    ]);
    for (let i = 0; i < 6; i++) await sell(uuidv7(), [{ sku: s, qty: 1 }]);
    const alerts = await db.pool.query(`SELECT available, threshold FROM low_stock_alerts WHERE sku = $1`, [s]);
    expect(alerts.rows).toEqual([{ available: '9', threshold: 10 }]);
    const events = await db.pool.query(
      `SELECT count(*)::int AS n FROM events WHERE type = 'alert.low_stock' AND payload->>'sku' = $1`,
      [s],
    );
    expect(events.rows[0].n).toBe(1);
  });

  it('keeps received = available + held + sold and never leaves more held than on hand (any sales, any holds)', async () => {
    const s = sku(7);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 }),
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('hold' as const), qty: fc.integer({ min: 1, max: 6 }) }),
            fc.record({ kind: fc.constant('sale' as const), qty: fc.integer({ min: 1, max: 12 }) }),
          ),
          { maxLength: 12 },
        ),
        async (received, steps) => {
          await setStock(s, received);
          let soldTotal = 0;
          let n = 0;
          for (const step of steps) {
            if (step.kind === 'hold') {
              await hold(s, `h${n++}`, step.qty, new Date(Date.now() + n)).catch(() => undefined);
            } else {
              const before = await level(s);
              const [line] = (await sell(uuidv7(), [{ sku: s, qty: step.qty }])).lines;
              soldTotal += step.qty;
              expect(line?.shortfall).toBe(
                Math.max(0, step.qty - Math.max(0, before.received - before.sold - before.held)),
              );
            }
            const l = await level(s);
            const heldRows = await db.pool.query<{ n: string }>(
              `SELECT coalesce(sum(qty), 0) AS n FROM holds WHERE store_id = $1 AND sku = $2 AND state = 'active'`,
              [STORE, s],
            );
            expect(l.sold).toBe(soldTotal);
            expect(l.received).toBe(received);
            expect(Number(heldRows.rows[0]?.n)).toBe(l.held);
            expect(l.held).toBeLessThanOrEqual(Math.max(0, l.received - l.sold));
            expect(l.held).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('never deadlocks or double-counts when terminals upload concurrently', async () => {
    const [a, b] = [sku(8), sku(9)];
    await setStock(a, 100);
    await setStock(b, 100);
    const sales = Array.from({ length: 20 }, (_, i) =>
      sell(
        uuidv7(),
        i % 2
          ? [
              { sku: a, qty: 1 },
              { sku: b, qty: 2 },
            ]
          : [
              { sku: b, qty: 1 },
              { sku: a, qty: 2 },
            ],
      ),
    );
    await Promise.all(sales);
    expect((await level(a)).sold).toBe(30);
    expect((await level(b)).sold).toBe(30);
  });
});
