import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStockAuthority } from '../src/stock/postgres/authority';
import { STORE, StockDriver, type StockHarness, TestClock } from './stock/harness';
import { runStockModel } from './stock/model';
import { redisHarness } from './stock/redis';
import { createTestDatabase, redisUrl } from './support';

async function postgresHarness(): Promise<StockHarness> {
  const db = await createTestDatabase({ demo: true });
  const clock = new TestClock();
  const authority = new PostgresStockAuthority({ db: db.pool, clock: clock.read, settingsTtlMs: 0 });
  return { db, authority, clock, close: () => db.drop() };
}

function properties(make: () => Promise<StockHarness>) {
  let h: StockHarness;
  let d: StockDriver;
  beforeAll(async () => {
    h = await make();
    d = await new StockDriver(h).init();
  });
  afterAll(() => h?.close());

  it('any sequence of hold, change, release, expire, extend, checkout, adjustment, offline sale and transfer keeps the stock true', async () => {
    await runStockModel(d, h.authority, h.clock, 30);
  }, 300_000);

  it('operations racing each other in any order never oversell or break the invariant', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 0, max: 10 }),
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant('hold' as const),
              who: fc.integer({ min: 0, max: 5 }),
              qty: fc.integer({ min: 1, max: 4 }),
            }),
            fc.record({ op: fc.constant('release' as const), who: fc.integer({ min: 0, max: 5 }) }),
            fc.record({ op: fc.constant('checkout' as const), who: fc.integer({ min: 0, max: 5 }) }),
            fc.record({
              op: fc.constant('adjust' as const),
              delta: fc.integer({ min: -4, max: 4 }).filter((n) => n !== 0),
            }),
            fc.record({
              op: fc.constant('transfer' as const),
              who: fc.integer({ min: 0, max: 5 }),
              to: fc.integer({ min: 0, max: 5 }),
            }),
          ),
          { minLength: 1, maxLength: 14 },
        ),
        async (s, initial, ops) => {
          const sku = await d.freshSku(initial);
          const holdOf = async (who: number) =>
            (await h.authority.holdsOf(STORE, `r${who}`)).find((x) => x.sku === sku);
          const run = async (op: (typeof ops)[number]) => {
            switch (op.op) {
              case 'hold':
                return h.authority.setHold({ storeId: STORE, sku, holderId: `r${op.who}`, qty: op.qty });
              case 'release': {
                const mine = await holdOf(op.who);
                return mine && h.authority.releaseHold(STORE, mine.holdId);
              }
              case 'checkout': {
                const mine = await holdOf(op.who);
                return (
                  mine &&
                  d.checkout(`r${op.who}`, [mine.holdId]).catch((e: { statusCode?: number }) => {
                    if (e.statusCode !== 409) throw e;
                  })
                );
              }
              case 'adjust':
                return d
                  .adjust(op.delta > 0 ? 'receipt' : 'shrinkage', [{ sku, delta: op.delta }])
                  .catch((e: { code?: string }) => {
                    if (e.code !== 'NOT_ENOUGH_ON_HAND') throw e;
                  });
              case 'transfer':
                return op.who === op.to ? undefined : h.authority.transferHolds(STORE, `r${op.who}`, `r${op.to}`);
            }
          };
          const done = ops.map((op) => s.scheduleFunction(run)(op));
          await s.waitAll();
          await Promise.all(done);
          const after = await d.checkInvariant(sku);
          const sold = await h.db.pool.query<{ n: string }>(
            `SELECT coalesce(sum(sold_delta), 0) AS n FROM stock_movements WHERE store_id = $1 AND sku = $2 AND kind = 'online_sale'`,
            [STORE, sku],
          );
          expect(Number(sold.rows[0]?.n)).toBeLessThanOrEqual(after.received);
        },
      ),
      { numRuns: 25 },
    );
  }, 300_000);
}

describe('stock properties: Postgres mode', () => properties(postgresHarness));
describe.skipIf(!redisUrl())('stock properties: Redis mode', () =>
  properties(() => redisHarness(redisUrl() as string)),
);
