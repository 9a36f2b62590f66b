import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DueIndex } from '../src/stock/redis/due-index';
import { encodeLocation, StockKeys } from '../src/stock/redis/keys';
import { defineScripts } from '../src/stock/redis/scripts';
import { STORE, StockDriver } from './stock/harness';
import { redisHarness } from './stock/redis';
import { redisUrl } from './support';

const url = redisUrl();
const MINUTE = 60_000;

/**
 * The sweeper's index holds one entry per bucket with holds, scored at or before its first
 * expiry; grants only lower a score, and a sweep puts back the bucket's real next expiry.
 */
describe.skipIf(!url)('the sweeper index of due buckets', () => {
  let h: Awaited<ReturnType<typeof redisHarness>>;
  let d: StockDriver;
  let keys: StockKeys;

  beforeAll(async () => {
    h = await redisHarness(url as string);
    d = await new StockDriver(h).init();
    keys = new StockKeys(h.prefix);
  }, 60_000);
  afterAll(() => h?.close());

  const bucketOf = (sku: string) => ({ storeId: STORE, sku, bucket: 0 });
  const dueKey = (sku: string) => keys.due(keys.dueShardOf(encodeLocation(bucketOf(sku))));
  const scoreOf = async (sku: string) => {
    const score = await h.redis.zscore(dueKey(sku), encodeLocation(bucketOf(sku)));
    return score === null ? null : Number(score);
  };
  const hold = async (sku: string, holderId: string) => {
    const granted = await d.grant(sku, holderId, 1);
    // The hold's index write goes out on the next tick after its answer.
    await new Promise((resolve) => setImmediate(resolve));
    return granted;
  };

  it('keeps one entry per bucket, at its first expiry, however many holds it has', async () => {
    const sku = await d.freshSku(30);
    const first = await hold(sku, 'due-a');
    h.clock.advance(MINUTE);
    await Promise.all(Array.from({ length: 20 }, (_, i) => hold(sku, `due-crowd-${i}`)));
    const members = await h.redis.zrangebyscore(dueKey(sku), '-inf', '+inf');
    expect(members.filter((m) => m.startsWith(`${STORE}\t${sku}\t`))).toEqual([encodeLocation(bucketOf(sku))]);
    expect(await scoreOf(sku)).toBe(first.expiresAt);
  });

  it('sweeps a bucket whose hold was extended without expiring it, then expires it when its time comes', async () => {
    const sku = await d.freshSku(5);
    const g = await hold(sku, 'due-extended');
    const extended = await h.authority.extendHold(STORE, g.holdId, 30 * MINUTE);
    expect(extended.ok).toBe(true);
    // The index still says the first expiry: the sweep there finds nothing due and moves it on.
    h.clock.advance(16 * MINUTE);
    await h.authority.expireDue();
    expect((await h.authority.getHold(STORE, g.holdId))?.state).toBe('active');
    expect(await scoreOf(sku)).toBe(h.clock.now + 14 * MINUTE);
    h.clock.advance(15 * MINUTE);
    expect(await h.authority.expireDue()).toBeGreaterThanOrEqual(1);
    await d.checkInvariant(sku);
    expect((await h.authority.getHold(STORE, g.holdId))?.state).toBe('expired');
    expect(await scoreOf(sku)).toBeNull();
  });

  it.each(['before the entry is taken out', 'before the expiry runs', 'after the expiry ran'] as const)(
    'never loses a grant made while its bucket is swept: %s',
    async (moment) => {
      const sku = await d.freshSku(10);
      const loc = bucketOf(sku);
      const due = new DueIndex(h.redis, keys, (error) => {
        throw error;
      });
      const run = defineScripts(h.redis, 'till_due_test');
      await hold(sku, 'due-old');
      h.clock.advance(15 * MINUTE);
      const shard = keys.dueShardOf(encodeLocation(loc));
      const entry = (await due.due(shard, h.clock.now, 100)).get(encodeLocation(loc));
      expect(entry?.members).toEqual([encodeLocation(loc)]);
      const grant = () => hold(sku, 'due-new');
      let g: Awaited<ReturnType<typeof hold>> | undefined;
      if (moment === 'before the entry is taken out') g = await grant();
      await due.sweep(shard, loc, entry?.members ?? [], async () => {
        if (moment === 'before the expiry runs') g = await grant();
        const reply = await run('expire', keys.bucket(STORE, sku, 0), [h.clock.now]);
        if (moment === 'after the expiry ran') g = await grant();
        return reply;
      });
      expect(await scoreOf(sku)).toBe(g?.expiresAt);
    },
  );

  it('keeps a bucket due when its sweep fails, for the next sweep to try again', async () => {
    const sku = await d.freshSku(5);
    const loc = bucketOf(sku);
    const g = await hold(sku, 'due-failed-sweep');
    const due = new DueIndex(h.redis, keys, (error) => {
      throw error;
    });
    const shard = keys.dueShardOf(encodeLocation(loc));
    await expect(
      due.sweep(shard, loc, [encodeLocation(loc)], () => Promise.reject(new Error('Redis went away'))),
    ).rejects.toThrow('Redis went away');
    expect(await scoreOf(sku)).toBe(0);
    await h.authority.expireDue();
    expect(await scoreOf(sku)).toBe(g.expiresAt);
  });

  it('sweeps entries written per hold by an earlier version of the index', async () => {
    const sku = await d.freshSku(5);
    const g = await hold(sku, 'due-legacy');
    const member = encodeLocation(bucketOf(sku));
    await h.redis.zrem(dueKey(sku), member);
    const legacy = `${member}\t${g.holdId}`;
    await h.redis.zadd(dueKey(sku), g.expiresAt, legacy);
    h.clock.advance(16 * MINUTE);
    expect(await h.authority.expireDue()).toBeGreaterThanOrEqual(1);
    expect((await h.authority.getHold(STORE, g.holdId))?.state).toBe('expired');
    expect(await h.redis.zscore(dueKey(sku), legacy)).toBeNull();
    await d.checkInvariant(sku);
  });
});
