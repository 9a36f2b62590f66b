import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StockKeys } from '../src/stock/redis/keys';
import { defineScripts } from '../src/stock/redis/scripts';
import { STORE, StockDriver } from './stock/harness';
import { redisHarness } from './stock/redis';
import { redisUrl } from './support';

const url = redisUrl();

/**
 * A change made first in PostgreSQL reaches Redis through feed_apply. A hold that became an order
 * there leaves Redis whole: Redis may hold more of it than PostgreSQL knew when it converted it
 * (a raise decided just before the checkout's transaction, written after it).
 */
describe.skipIf(!url)('feed_apply: holds taken in PostgreSQL', () => {
  let h: Awaited<ReturnType<typeof redisHarness>>;
  let d: StockDriver;
  let keys: StockKeys;
  let run: ReturnType<typeof defineScripts>;

  beforeAll(async () => {
    h = await redisHarness(url as string);
    d = await new StockDriver(h).init();
    keys = new StockKeys(h.prefix);
    run = defineScripts(h.redis, 'till_feed_test');
  }, 60_000);
  afterAll(() => h?.close());

  /** A SKU with 6 on hand and a hold of 3 in Redis; PostgreSQL sold 1 unit of that hold. */
  async function soldOneOfThree(ended: boolean) {
    const sku = await d.freshSku(6);
    const hold = await d.grant(sku, 'feed-buyer', 3);
    const bucket = keys.bucket(STORE, sku, 0);
    const pgv = Number(await h.redis.hget(bucket[0], 'pgv'));
    const taken = JSON.stringify([{ holdId: hold.holdId, qty: 1, ...(ended ? { ended: true } : {}) }]);
    const reply = await run('feed_apply', bucket, [pgv + 1, -1, taken, 0, '1', '1']);
    expect(reply.s).toBe('OK');
    return {
      free: Number(await h.redis.hget(bucket[0], 'free')),
      hold: await h.redis.hget(bucket[1], hold.holdId),
    };
  }

  it('drops a hold that ended (an order) whole, and frees what PostgreSQL did not sell of it', async () => {
    // 6 on hand, 3 held: free 3. One unit sold from the hold, which ended: 5 on hand, all free.
    expect(await soldOneOfThree(true)).toEqual({ free: 5, hold: null });
  });

  it('takes only the units taken from a hold that goes on (a cut)', async () => {
    // One unit cut from the hold and gone from on hand: 5 on hand, 2 still held, 3 free.
    const after = await soldOneOfThree(false);
    expect(after.free).toBe(3);
    expect(JSON.parse(after.hold as string)).toMatchObject({ q: 2 });
  });
});
