import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAdjustment } from '../src/stock/adjustments';
import { homeBucket } from '../src/stock/redis/keys';
import { STORE, StockDriver } from './stock/harness';
import { redisHarness } from './stock/redis';
import { redisUrl } from './support';

const url = redisUrl();

/** A holder name whose hold lives in bucket `bucket` of `buckets` (or, with `not`, anywhere else). */
function holderIn(bucket: number, buckets: number, prefix: string, not = false): string {
  for (let i = 0; ; i++) {
    const name = `${prefix}-${i}`;
    if ((homeBucket(name, buckets) === bucket) !== not) return name;
  }
}

/**
 * Redis mode: a stock decrease is made in PostgreSQL first, and cuts the newest holds there,
 * while Redis may be changing one of them (its decision not yet written to PostgreSQL). The
 * feed then takes the cut's units from the holds in Redis, and the change reaches PostgreSQL
 * after the cut. Both must end up with the same holds and the same available units.
 *
 * The persister here waits a minute between batches, so a change stays in its queue while the
 * decrease is made, as a change decided within the last batch window would in production.
 */
describe.skipIf(!url)('a stock decrease made in PostgreSQL while Redis changes a hold it cuts', () => {
  describe.each([1, 3])('%i bucket(s) per SKU', (buckets) => {
    let h: Awaited<ReturnType<typeof redisHarness>>;
    let d: StockDriver;

    beforeAll(async () => {
      h = await redisHarness(url as string, { buckets, persistIntervalMs: 60_000 });
      d = await new StockDriver(h).init();
    }, 60_000);
    afterAll(() => h?.close());

    /** Counts the SKU to `onHand` in PostgreSQL, without writing the queued decisions first. */
    async function countFirstInPostgres(sku: string, onHand: number) {
      await applyAdjustment(h.db.pool, {
        storeId: STORE,
        adjustmentId: uuidv7(),
        kind: 'count',
        lines: [{ sku, onHand }],
      });
      await h.authority.applyFeed();
    }

    const stateOf = async (holdId: string) => (await h.authority.getHold(STORE, holdId))?.state;

    it('a hold cut whole in PostgreSQL while Redis raised it leaves Redis whole', async () => {
      const sku = await d.freshSku(9);
      // An older hold in the last bucket (where a cut in Redis starts), and the newest elsewhere.
      const older = await d.grant(sku, holderIn(buckets - 1, buckets, 'older'), 3);
      const newest = await d.grant(sku, holderIn(buckets - 1, buckets, 'newest', buckets > 1), 2);
      await h.authority.flush();
      const raised = await h.authority.changeHold({ storeId: STORE, holdId: newest.holdId, qty: 3 });
      expect(raised.ok).toBe(true);

      // 3 on hand: PostgreSQL, which knows 3 + 2 held, cuts the newest hold whole.
      await countFirstInPostgres(sku, 3);

      const after = await d.checkInvariant(sku);
      expect(after).toMatchObject({ onHand: 3, held: 3, available: 0 });
      expect(await stateOf(newest.holdId)).toBe('cut');
      expect((await h.authority.getHold(STORE, older.holdId))?.qty).toBe(3);
    });

    it('a change Redis made while PostgreSQL cut part of the hold applies to what the cut left', async () => {
      const sku = await d.freshSku(10);
      const held = await d.grant(sku, 'lowers-to-4', 5);
      await h.authority.flush();
      expect((await h.authority.changeHold({ storeId: STORE, holdId: held.holdId, qty: 4 })).ok).toBe(true);

      // 2 on hand: PostgreSQL cuts 3 of the 5 it knows; Redis takes the same 3 of its 4.
      await countFirstInPostgres(sku, 2);

      expect(await d.checkInvariant(sku)).toMatchObject({ onHand: 2, held: 1, available: 1 });
      expect(await h.authority.getHold(STORE, held.holdId)).toMatchObject({ state: 'active', qty: 1 });
    });

    it('a hold Redis lowered below what PostgreSQL cut ends in both', async () => {
      const sku = await d.freshSku(10);
      const held = await d.grant(sku, 'lowers-to-1', 5);
      await h.authority.flush();
      expect((await h.authority.changeHold({ storeId: STORE, holdId: held.holdId, qty: 1 })).ok).toBe(true);

      await countFirstInPostgres(sku, 2);

      expect(await d.checkInvariant(sku)).toMatchObject({ onHand: 2, held: 0, available: 2 });
      expect(await stateOf(held.holdId)).toBe('cut');
    });
  });
});
