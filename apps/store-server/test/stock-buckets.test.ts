import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisStockAuthority } from '../src/stock/redis/authority';
import { StockKeys } from '../src/stock/redis/keys';
import { stockAuthorityContract } from './stock/contract';
import { STORE, StockDriver } from './stock/harness';
import { redisHarness, twoInstances } from './stock/redis';
import { type OwnCluster, startOwnCluster } from './stock/redis-cluster';
import { redisUrl } from './support';

const BUCKETS = 3;
const url = redisUrl();

describe.skipIf(!url)('hot SKUs split into buckets, on one Redis', () => {
  describe('the whole StockAuthority contract holds with every SKU in 3 buckets', () => {
    stockAuthorityContract(() => redisHarness(url as string, { buckets: BUCKETS }));
  });

  describe('the buckets never hold more than the stock', () => {
    let h: Awaited<ReturnType<typeof redisHarness>>;
    let d: StockDriver;
    beforeAll(async () => {
      h = await redisHarness(url as string, { buckets: BUCKETS });
      d = await new StockDriver(h).init();
    });
    afterAll(() => h?.close());

    /** The free units of every bucket, read straight from Redis. */
    async function buckets(sku: string) {
      const keys = new StockKeys(h.prefix);
      const frees = await Promise.all(
        Array.from({ length: BUCKETS }, (_, b) => h.redis.hget(keys.bucket(STORE, sku, b)[0], 'free')),
      );
      return frees.map(Number);
    }

    it('spreads the free units over the buckets, and their sum plus what is held is what is on hand', async () => {
      const sku = await d.freshSku(100);
      expect((await buckets(sku)).reduce((a, b) => a + b, 0)).toBe(100);
      expect(Math.min(...(await buckets(sku)))).toBeGreaterThanOrEqual(33);
      const results = await Promise.all(
        Array.from({ length: 400 }, (_, i) =>
          h.authority.setHold({ storeId: STORE, sku, holderId: `hot-${i}`, qty: 1 }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(100);
      for (const r of results) if (!r.ok) expect(r.refusal.code).toBe('HELD_BY_OTHERS');
      expect(await buckets(sku)).toEqual([0, 0, 0]);
      await d.checkInvariant(sku);
    });

    it('grants a hold bigger than any one bucket by drawing units from the others', async () => {
      const sku = await d.freshSku(30);
      const big = await h.authority.setHold({ storeId: STORE, sku, holderId: 'bulk', qty: 25 });
      expect(big).toMatchObject({ ok: true, hold: { qty: 25 } });
      expect((await buckets(sku)).reduce((a, b) => a + b, 0)).toBe(5);
      const tooBig = await h.authority.setHold({ storeId: STORE, sku, holderId: 'bulk-2', qty: 6 });
      expect(tooBig).toMatchObject({ ok: false, refusal: { code: 'NOT_ENOUGH', available: 5 } });
      await d.checkInvariant(sku);
    });

    it('keeps the per-customer limit across buckets (a holder always uses its own bucket)', async () => {
      const sku = await d.freshSku(50, { maxPerHolder: 2 });
      const tries = await Promise.all(
        Array.from({ length: 20 }, () => h.authority.setHold({ storeId: STORE, sku, holderId: 'greedy', qty: 2 })),
      );
      expect(tries.every((t) => t.ok)).toBe(true);
      expect(new Set(tries.map((t) => (t.ok ? t.hold.holdId : '')))).toHaveProperty('size', 1);
      expect(await h.authority.setHold({ storeId: STORE, sku, holderId: 'greedy', qty: 3 })).toMatchObject({
        ok: false,
        refusal: { code: 'LIMIT_PER_CUSTOMER' },
      });
      expect(await d.availability(sku)).toMatchObject({ held: 2, available: 48 });
      await d.checkInvariant(sku);
    });

    it('a stock decrease takes free units from every bucket before it cuts holds', async () => {
      const sku = await d.freshSku(12);
      for (let i = 0; i < 6; i++) await h.authority.setHold({ storeId: STORE, sku, holderId: `d${i}`, qty: 1 });
      await d.adjust('shrinkage', [{ sku, delta: -8 }]);
      // 12 on hand, 6 held, 6 free: 8 fewer means every free unit and 2 held ones.
      expect(await buckets(sku)).toEqual([0, 0, 0]);
      expect(await d.availability(sku)).toEqual({ sku, onHand: 4, held: 4, available: 0 });
      await d.checkInvariant(sku);
    });
  });
});

describe.skipIf(!url)('hot SKUs on a local Redis Cluster (3 masters, buckets on different slots)', () => {
  let cluster: OwnCluster;
  beforeAll(async () => {
    cluster = await startOwnCluster(3);
  }, 60_000);
  afterAll(() => cluster?.stop());

  it('puts the buckets of one SKU in different slots', () => {
    const keys = new StockKeys('till:');
    const slots = new Set(
      Array.from({ length: BUCKETS }, (_, b) => {
        const tag = /\{(.*)\}/.exec(keys.bucket(STORE, 'HOT-1', b)[0])?.[1] as string;
        return tag;
      }),
    );
    expect(slots.size).toBe(BUCKETS);
  });

  describe('the whole StockAuthority contract on the cluster', () => {
    stockAuthorityContract(async () => {
      const h = await redisHarness('', { buckets: BUCKETS, client: cluster.client() });
      await (h.authority as RedisStockAuthority).readiness();
      return h;
    });
  });

  it("finds on one instance the holds another has not written yet (the flush request crosses the cluster's nodes)", async () => {
    const { a, b, close } = await twoInstances('', { persistIntervalMs: 60_000, client: () => cluster.client() });
    try {
      const onA = await new StockDriver(a).init();
      const sku = await onA.freshSku(10);
      const hold = await onA.grant(sku, 'cluster-guest', 2);
      const listed = await b.authority.holdsOf(STORE, 'cluster-guest');
      expect(listed.map((h) => [h.holdId, h.qty])).toEqual([[hold.holdId, 2]]);
      const moved = await b.authority.transferHolds(STORE, 'cluster-guest', 'cluster-member');
      expect(moved.holds.map((h) => [h.holdId, h.holderId])).toEqual([[hold.holdId, 'cluster-member']]);
    } finally {
      await close();
    }
  }, 30_000);
});
