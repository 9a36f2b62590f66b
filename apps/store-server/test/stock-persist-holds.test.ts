import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PersistOp, withGrantEvent } from '../src/stock/redis/persister';
import { type Grant, grant } from './stock/grants';
import { createTestDatabase, type TestDatabase } from './support';

/**
 * stock_persist_holds (Redis mode's record of its decisions in PostgreSQL): a batch of new
 * grants, each sent with its event as the persister sends it, takes the fast path (one
 * statement per SKU and per table); anything it cannot apply as a whole goes op by op, as does
 * a grant without its event. Whatever the batch, the result must be that of applying its ops
 * one at a time, in order, events included.
 */

const STORE = 'demo';

/** Sends the ops as the persister does (grants with their events: the fast path when they fit). */
async function persist(client: pg.PoolClient, ops: PersistOp[]): Promise<number[]> {
  return persistAsIs(
    client,
    ops.map((op) => withGrantEvent(op)),
  );
}

/** Sends the ops as they are: grants without their events go op by op. */
async function persistAsIs(client: pg.PoolClient, ops: unknown[]): Promise<number[]> {
  const { rows } = await client.query<{ r: { deferred: number[] } }>('SELECT stock_persist_holds($1::jsonb) AS r', [
    JSON.stringify(ops),
  ]);
  return rows[0]?.r.deferred ?? [];
}

/** What the batch left behind: the holds, the held counters, how many events of each type, and the holds' events. */
async function state(client: pg.PoolClient, skus: string[], since: string) {
  const holds = await client.query(
    `SELECT id, sku, holder_id, qty, state FROM holds WHERE store_id = $1 AND sku = ANY($2) ORDER BY id`,
    [STORE, skus],
  );
  const levels = await client.query(
    `SELECT sku, held FROM stock_levels WHERE store_id = $1 AND sku = ANY($2) ORDER BY sku`,
    [STORE, skus],
  );
  const events = await client.query(
    `SELECT type, count(*)::int AS n FROM events WHERE seq > $1 GROUP BY type ORDER BY type`,
    [since],
  );
  const holdEvents = await client.query(
    `SELECT type, payload FROM events WHERE seq > $1 AND type LIKE 'hold.%' ORDER BY seq`,
    [since],
  );
  return { holds: holds.rows, levels: levels.rows, events: events.rows, holdEvents: holdEvents.rows };
}

describe('stock_persist_holds', () => {
  let db: TestDatabase;
  let skus: string[];

  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
    const { rows } = await db.pool.query<{ sku: string }>(
      `SELECT sku FROM stock_levels WHERE store_id = $1 ORDER BY sku LIMIT 3`,
      [STORE],
    );
    skus = rows.map((r) => r.sku);
    // Little stock, so that some batches do not fit.
    await db.pool.query(
      `UPDATE stock_levels SET received = sold + held + 6, low_stock_threshold = 0 WHERE store_id = $1 AND sku = ANY($2)`,
      [STORE, skus],
    );
  });
  afterAll(() => db?.drop());

  /** Runs `fn` in a transaction that is rolled back, so every case starts from the same state. */
  async function rolledBack<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      return await fn(client);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  const head = async (client: pg.PoolClient) =>
    (await client.query<{ seq: string }>('SELECT coalesce(max(seq), 0)::text AS seq FROM events')).rows[0]?.seq ?? '0';

  it('writes a batch of new grants whole: the holds, the held units and an event per hold', async () => {
    await rolledBack(async (client) => {
      const since = await head(client);
      const sku = skus[0] as string;
      const deferred = await persist(client, [grant(sku, 'a', 2), grant(sku, 'b', 1), grant(sku, 'c', 3)]);
      expect(deferred).toEqual([]);
      const after = await state(client, [sku], since);
      expect(after.holds.map((h) => [h.holder_id, h.qty, h.state]).sort()).toEqual([
        ['a', 2, 'active'],
        ['b', 1, 'active'],
        ['c', 3, 'active'],
      ]);
      expect(after.levels[0]?.held).toBe('6');
      expect(after.events).toEqual([
        { type: 'hold.granted', n: 3 },
        { type: 'stock.changed', n: 1 },
      ]);
    });
  });

  it('defers the grant of a holder who holds the SKU in PostgreSQL already, and applies the others', async () => {
    await rolledBack(async (client) => {
      const sku = skus[0] as string;
      expect(await persist(client, [grant(sku, 'a', 1)])).toEqual([]);
      expect(await persist(client, [grant(sku, 'b', 1), grant(sku, 'a', 1), grant(sku, 'c', 1)])).toEqual([1]);
      const after = await state(client, [sku], '0');
      expect(after.holds.map((h) => h.holder_id).sort()).toEqual(['a', 'b', 'c']);
      expect(after.levels[0]?.held).toBe('3');
    });
  });

  it('skips a grant PostgreSQL has already (a retried batch) without counting its units twice', async () => {
    await rolledBack(async (client) => {
      const sku = skus[0] as string;
      const first = grant(sku, 'a', 2);
      expect(await persist(client, [first])).toEqual([]);
      expect(await persist(client, [first, grant(sku, 'b', 1)])).toEqual([]);
      const after = await state(client, [sku], '0');
      expect(after.holds).toHaveLength(2);
      expect(after.levels[0]?.held).toBe('3');
    });
  });

  it('never writes a hold of a SKU without a stock row: the grant is deferred', async () => {
    await rolledBack(async (client) => {
      const sku = skus[0] as string;
      expect(await persist(client, [grant('NO-SUCH-SKU', 'a', 1), grant(sku, 'b', 1)])).toEqual([0]);
      const { rows } = await client.query(`SELECT holder_id FROM holds WHERE sku = 'NO-SUCH-SKU'`);
      expect(rows).toEqual([]);
      expect((await state(client, [sku], '0')).holds.map((h) => h.holder_id)).toEqual(['b']);
    });
  });

  it('keeps stock rows for good, so that no hold loses its SKU: a delete or truncate is refused', async () => {
    await rolledBack(async (client) => {
      const sku = skus[1] as string;
      expect(await persist(client, [grant(sku, 'a', 1)])).toEqual([]);
      await client.query('SAVEPOINT s');
      await expect(client.query(`DELETE FROM stock_levels WHERE sku = $1`, [sku])).rejects.toThrow(
        /stock rows are never deleted \(DELETE refused\)/,
      );
      await client.query('ROLLBACK TO SAVEPOINT s');
      await expect(client.query('TRUNCATE stock_levels CASCADE')).rejects.toThrow(/TRUNCATE refused/);
    });
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM stock_levels WHERE sku = $1`, [skus[1]]);
    expect(rows[0]?.n).toBeGreaterThan(0);
  });

  it('keeps stores for good, so that no event loses its store: a delete or truncate is refused', async () => {
    await rolledBack(async (client) => {
      await client.query('SAVEPOINT s');
      await expect(client.query(`DELETE FROM stores WHERE id = $1`, [STORE])).rejects.toThrow(
        /stores are never deleted \(DELETE refused\)/,
      );
      await client.query('ROLLBACK TO SAVEPOINT s');
      await expect(client.query('TRUNCATE stores CASCADE')).rejects.toThrow(/TRUNCATE refused/);
    });
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM stores WHERE id = $1`, [STORE]);
    expect(rows[0]?.n).toBe(1);
  });

  it('gives the same result as applying the ops one at a time op by op, events included, for any batch of grants', async () => {
    const holder = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const op = fc.record({
      sku: fc.integer({ min: 0, max: 2 }),
      holder,
      qty: fc.integer({ min: 1, max: 4 }),
      cart: fc.constantFrom('', 'cart-1'),
      // Any millisecond: the payload's expiresAt, written by the persister, must read as PostgreSQL writes it.
      ms: fc.integer({ min: 0, max: 86_399_999 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 4 }),
        fc.array(op, { minLength: 1, maxLength: 8 }),
        async (before, ops) => {
          const earlier = before.map((o) => grant(skus[o.sku] as string, o.holder, o.qty));
          const batch: Grant[] = ops.map((o) => {
            const g = grant(skus[o.sku] as string, o.holder, o.qty);
            return { ...g, cartId: o.cart, expiresAt: g.expiresAt + o.ms };
          });
          // Sometimes the batch retries a grant PostgreSQL already has.
          if (earlier.length > 0 && ops.length % 2 === 0) batch.push(earlier[0] as Grant);

          const asBatch = await rolledBack(async (client) => {
            for (const g of earlier) await persist(client, [g]);
            const since = await head(client);
            const deferred = await persist(client, batch);
            return { deferred, ...(await state(client, skus, since)) };
          });
          const oneByOne = await rolledBack(async (client) => {
            for (const g of earlier) await persist(client, [g]);
            const since = await head(client);
            const deferred: number[] = [];
            for (const [i, g] of batch.entries()) {
              if ((await persistAsIs(client, [g])).length > 0) deferred.push(i);
            }
            return { deferred, ...(await state(client, skus, since)) };
          });
          // stock.changed is written once per SKU per call: compare the holds' events and the rest.
          const holdEvents = (s: typeof asBatch) => s.events.filter((e) => e.type !== 'stock.changed');
          expect(asBatch.deferred).toEqual(oneByOne.deferred);
          expect(asBatch.holds).toEqual(oneByOne.holds);
          expect(asBatch.levels).toEqual(oneByOne.levels);
          expect(holdEvents(asBatch)).toEqual(holdEvents(oneByOne));
          // The events the persister sent are those PostgreSQL builds op by op.
          expect(asBatch.holdEvents).toEqual(oneByOne.holdEvents);
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
