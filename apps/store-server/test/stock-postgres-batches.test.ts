import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SetDecision } from '../src/stock/postgres/authority';
import { LaneBatches } from '../src/stock/postgres/lane-batches';
import { refreshHoldStatistics } from '../src/stock/statistics';
import { createTestDatabase, type TestDatabase } from './support';

const STORE = 'demo';
const NOW = Date.UTC(2026, 0, 1);
const TTL = 900_000;

describe('new holds asked while the call of their lane runs go together (LaneBatches)', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  it('sends what is asked in one turn as one call, and what comes meanwhile as the next', async () => {
    const calls: number[][] = [];
    let release: () => void = () => {};
    const batches = new LaneBatches<number, string>(
      async (_key, items) => {
        calls.push(items);
        await new Promise<void>((r) => {
          release = r;
        });
        return items.map((i) => `done ${i}`);
      },
      async (i) => `alone ${i}`,
    );
    const first = [1, 2, 3].map((i) => batches.submit('A', i));
    await tick();
    const meanwhile = [4, 5].map((i) => batches.submit('A', i));
    await tick();
    expect(calls).toEqual([[1, 2, 3]]);
    release();
    expect(await Promise.all(first)).toEqual(['done 1', 'done 2', 'done 3']);
    await tick();
    expect(calls).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    release();
    expect(await Promise.all(meanwhile)).toEqual(['done 4', 'done 5']);
  });

  it('keeps lanes apart, and a single item goes alone', async () => {
    const many: Array<[string, number[]]> = [];
    const batches = new LaneBatches<number, string>(
      async (key, items) => {
        many.push([key, items]);
        return items.map((i) => `${key}${i}`);
      },
      async (i) => `alone ${i}`,
    );
    const answers = await Promise.all([batches.submit('A', 1), batches.submit('B', 2), batches.submit('A', 3)]);
    expect(answers).toEqual(['A1', 'alone 2', 'A3']);
    expect(many).toEqual([['A', [1, 3]]]);
  });

  it('decides each item alone when the call fails, so that only the bad one fails', async () => {
    const batches = new LaneBatches<number, number>(
      async () => {
        throw new Error('one of them is bad');
      },
      async (i) => {
        if (i === 2) throw new Error('2 is bad');
        return i * 10;
      },
    );
    const answers = await Promise.allSettled([1, 2, 3].map((i) => batches.submit('A', i)));
    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value : (a.reason as Error).message))).toEqual([
      10,
      '2 is bad',
      30,
    ]);
  });
});

/** A decision as stock_hold_set_many takes it (the store is the call's). */
type Decision = Omit<SetDecision, 'storeId'>;

/**
 * stock_hold_set_many (0080) must answer exactly as stock_hold_set called for each decision in
 * turn, and leave the same stock, holds, hold events and low-stock crossings of every SKU; only
 * a run of grants reports the stock level (stock.changed, an alert's numbers) once, at its end.
 */
describe('stock_hold_set_many decides as stock_hold_set one by one', () => {
  let db: TestDatabase;
  let client: pg.PoolClient;
  let skus: string[];

  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
    client = await db.pool.connect();
    const { rows } = await client.query<{ sku: string }>('SELECT sku FROM products ORDER BY sku LIMIT 2');
    skus = rows.map((r) => r.sku);
  });
  afterAll(async () => {
    client.release();
    await db.drop();
  });

  /** Runs `decide` in a transaction on the given stock and earlier holds, and rolls it back. */
  async function outcome(
    stock: { received: number; limit: number | null },
    earlier: Decision[],
    decide: () => Promise<unknown[]>,
  ) {
    await client.query('BEGIN');
    try {
      await client.query(
        `UPDATE stock_levels SET received = $3, sold = 0, held = 0, max_per_holder = $4, low_stock_threshold = 2,
           low_stock_since = NULL WHERE store_id = $1 AND sku = ANY($2)`,
        [STORE, skus, stock.received, stock.limit],
      );
      await client.query(`DELETE FROM holds WHERE store_id = $1 AND sku = ANY($2)`, [STORE, skus]);
      for (const d of earlier) await setOne(d);
      const { rows: head } = await client.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM events');
      const results = await decide();
      const level = await client.query(
        `SELECT sku, received::int, sold::int, held::int, version::int, low_stock_since IS NOT NULL AS low
         FROM stock_levels WHERE store_id = $1 AND sku = ANY($2) ORDER BY sku`,
        [STORE, skus],
      );
      const holds = await client.query(
        `SELECT id, holder_id, qty, state, expires_at, created_at, end_reason FROM holds
         WHERE store_id = $1 AND sku = ANY($2) ORDER BY id`,
        [STORE, skus],
      );
      const events = await client.query<{ type: string; payload: Record<string, unknown> }>(
        `SELECT type, payload FROM events WHERE seq > $1 ORDER BY seq`,
        [head[0]?.seq],
      );
      const ofKind = (prefix: string) => events.rows.filter((e) => e.type.startsWith(prefix));
      return {
        results,
        levels: level.rows,
        holds: holds.rows,
        // In the order asked per SKU; SKUs asked at the same moment have no order between them.
        holdEvents: skus.map((sku) => ofKind('hold.').filter((e) => e.payload.sku === sku)),
        lastStock: skus.map((sku) => ofKind('stock.changed').findLast((e) => e.payload.sku === sku)?.payload),
        // Once per crossing either way; a run of grants reports its level once, at its end.
        alerts: skus.map((sku) => ofKind('alert.').flatMap((e) => (e.payload.sku === sku ? [e.type] : []))),
      };
    } finally {
      await client.query('ROLLBACK');
    }
  }

  async function setOne(d: Decision): Promise<unknown> {
    const { rows } = await client.query<{ r: unknown }>(
      'SELECT stock_hold_set($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9) AS r',
      [STORE, d.sku, d.holder, d.qty, d.cart, d.newId, new Date(d.now), d.ttlMs, d.limit],
    );
    return rows[0]?.r;
  }

  const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;
  const decisions = (from: number, at: number) =>
    fc
      .array(
        fc.record({
          sku: fc.constantFrom(0, 1),
          holder: fc.constantFrom('ann', 'bob', 'cy', 'dee', 'eve'),
          qty: fc.integer({ min: 1, max: 4 }),
          limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
          ttlMs: fc.constantFrom(TTL, 1_000),
        }),
        { maxLength: 16 },
      )
      .map((list) =>
        list.map(
          (d, i): Decision => ({ ...d, sku: skus[d.sku] as string, cart: null, newId: id(from + i), now: at + i * 10 }),
        ),
      );

  it('for any stock, earlier holds (some due) and decisions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          received: fc.integer({ min: 0, max: 10 }),
          limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
        }),
        // Earlier holds were asked a minute before; those kept for 1 s are due by now.
        decisions(0, NOW - 60_000),
        decisions(1_000, NOW),
        async (stock, earlier, now) => {
          const one = await outcome(stock, earlier, async () => {
            const results = [];
            for (const d of now) results.push(await setOne(d));
            return results;
          });
          const many = await outcome(stock, earlier, async () => {
            const { rows } = await client.query<{ r: unknown[] }>('SELECT stock_hold_set_many($1, $2) AS r', [
              STORE,
              JSON.stringify(now),
            ]);
            return rows[0]?.r ?? [];
          });
          expect(many).toEqual(one);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the holds table keeps planner statistics during a sale', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
  });
  afterAll(() => db.drop());

  const plan = async (sku: string) => {
    const { rows } = await db.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT 1 FROM holds WHERE store_id = $1 AND sku = $2 AND holder_id = 'someone' AND state = 'active'`,
      [STORE, sku],
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  };

  it('analyzes holds once a sale has changed it, so a holder is looked up through its own index', async () => {
    const { rows } = await db.pool.query<{ sku: string }>('SELECT sku FROM products ORDER BY sku LIMIT 1');
    const sku = rows[0]?.sku ?? '';
    await db.pool.query(`UPDATE stock_levels SET received = 100000 WHERE store_id = $1 AND sku = $2`, [STORE, sku]);
    await db.pool.query(
      `INSERT INTO holds (id, store_id, sku, holder_id, qty, expires_at, created_at, updated_at)
       SELECT gen_random_uuid(), $1, $2, 'buyer-' || n, 1, now() + interval '15 minutes', now(), now()
       FROM generate_series(1, 3000) AS n`,
      [STORE, sku],
    );
    // pg_stat_user_tables learns of the inserts when this backend reports them (at most a second).
    let analyzed: string[] = [];
    for (let i = 0; i < 40 && analyzed.length === 0; i++) {
      analyzed = await refreshHoldStatistics(db.pool);
      if (analyzed.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(analyzed).toEqual(['holds']);
    // Through the holder's index (unique per SKU, or the holder's holds), not the SKU's 3,000 holds.
    expect(await plan(sku)).toMatch(/holds_one_active_per_holder|holds_active_by_holder/);
    expect(await refreshHoldStatistics(db.pool)).toEqual([]);
  });
});
