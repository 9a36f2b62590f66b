import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionBatches } from '../src/stock/redis/decision-batches';
import { StockKeys } from '../src/stock/redis/keys';
import { defineHoldBatches, defineScripts, type ScriptReply } from '../src/stock/redis/scripts';
import { STORE } from './stock/harness';
import { redisHarness } from './stock/redis';
import { redisUrl } from './support';

const url = redisUrl();
const NOW = Date.UTC(2026, 0, 1);
const TTL = 900_000;
const args = (holder: string, qty: number, id: string) => [holder, qty, NOW, TTL, '', id, 0, '', 0];

/**
 * Hold decisions of one moment on one bucket go to Redis as one hold_set_many call; each must
 * be decided exactly as hold_set decides it alone, in the order asked.
 */
describe.skipIf(!url)('hold decisions batched per bucket', () => {
  let h: Awaited<ReturnType<typeof redisHarness>>;
  let keys: StockKeys;
  let skus: string[];

  beforeAll(async () => {
    h = await redisHarness(url as string);
    keys = new StockKeys(h.prefix);
    const { rows } = await h.db.pool.query<{ sku: string }>(
      `SELECT sku FROM stock_levels WHERE store_id = $1 ORDER BY sku LIMIT 2`,
      [STORE],
    );
    skus = rows.map((r) => r.sku);
  }, 60_000);
  afterAll(() => h?.close());

  const free = async (sku: string) => Number(await h.redis.hget(keys.bucket(STORE, sku, 0)[0], 'free'));

  it('decides a crowd of one moment in few calls, granting exactly what is free, in the order asked', async () => {
    const sku = skus[0] as string;
    const units = await free(sku);
    const run = defineHoldBatches(h.redis);
    let calls = 0;
    const batches = new DecisionBatches((batch) => {
      calls += batch.length;
      return run(batch);
    }, 16);
    const bucket = keys.bucket(STORE, sku, 0);
    const crowd = units + 10;
    const replies = await Promise.all(
      Array.from({ length: crowd }, (_, i) =>
        batches.decide(bucket, args(`buyer-${i}`, 1, `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`)),
      ),
    );
    expect(calls).toBe(Math.ceil(crowd / 16));
    // The first `units` buyers (in the order asked) got one unit each; everybody after was refused.
    expect(replies.slice(0, units).every((r) => r.s === 'OK' && r.created === true)).toBe(true);
    expect(replies.slice(units).map((r) => [r.s, r.code])).toEqual(Array(10).fill(['REFUSED', 'HELD_BY_OTHERS']));
    expect(await free(sku)).toBe(0);
  });

  it('answers as hold_set alone would, a holder asking twice in one batch included', async () => {
    const sku = skus[1] as string;
    const bucket = keys.bucket(STORE, sku, 0);
    const before = await free(sku);
    const batches = new DecisionBatches(defineHoldBatches(h.redis));
    const [first, second, other] = await Promise.all([
      batches.decide(bucket, args('same', 1, '00000000-0000-7000-8000-00000000a001')),
      batches.decide(bucket, args('same', 2, '00000000-0000-7000-8000-00000000a002')),
      batches.decide(bucket, args('other', 1, '00000000-0000-7000-8000-00000000a003')),
    ]);
    expect([first.s, first.created, second.s, second.created, second.prev]).toEqual(['OK', true, 'OK', false, 1]);
    expect(second.hold?.id).toBe(first.hold?.id);
    expect(second.hold?.q).toBe(2);
    expect(other.created).toBe(true);
    expect(await free(sku)).toBe(before - 3);

    // The same decision made alone by hold_set gives the same answer.
    const single = defineScripts(h.redis, 'till');
    const alone: ScriptReply = await single(
      'hold_set',
      bucket,
      args('same', 2, '00000000-0000-7000-8000-00000000a004'),
    );
    expect([alone.s, alone.created, alone.prev, alone.hold?.id]).toEqual(['OK', false, 2, first.hold?.id]);
  });

  it('finds every hold of a crowd by its id right after the grants (their locations are written together)', async () => {
    const { rows } = await h.db.pool.query<{ sku: string }>(
      `SELECT sku FROM stock_levels WHERE store_id = $1 AND received - sold - held >= 20 ORDER BY sku DESC LIMIT 1`,
      [STORE],
    );
    const sku = rows[0]?.sku as string;
    const grants = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.authority.setHold({ storeId: STORE, sku, qty: 1, holderId: `crowd-${i}` }),
      ),
    );
    const ids = grants.map((g) => (g.ok ? g.hold.holdId : ''));
    expect(ids.every((id) => id !== '')).toBe(true);
    const found = await Promise.all(ids.map((id) => h.authority.getHold(STORE, id)));
    expect(found.map((f) => f?.holderId)).toEqual(ids.map((_, i) => `crowd-${i}`));
    const changed = await Promise.all(ids.map((holdId) => h.authority.changeHold({ storeId: STORE, holdId, qty: 1 })));
    expect(changed.every((c) => c.ok)).toBe(true);
    const locations = await Promise.all(ids.map((id) => h.redis.pttl(`${h.prefix}loc:{${id}}`)));
    expect(locations.every((ttl) => ttl > 0)).toBe(true);
  });

  it('sends the batches of several buckets of one moment together, each answered for its own bucket', async () => {
    const run = defineHoldBatches(h.redis);
    const sent: number[] = [];
    const batches = new DecisionBatches((batch) => {
      sent.push(batch.length);
      return run(batch);
    });
    const { rows } = await h.db.pool.query<{ sku: string }>(
      `SELECT sku FROM stock_levels WHERE store_id = $1 AND received - sold - held >= 2 ORDER BY sku DESC LIMIT 3`,
      [STORE],
    );
    const replies = await Promise.all(
      rows.flatMap((r, s) =>
        [0, 1].map((i) =>
          batches.decide(
            keys.bucket(STORE, r.sku, 0),
            args(`several-${i}`, 1, `00000000-0000-7000-8000-0000000c${s}${i}00`),
          ),
        ),
      ),
    );
    expect(sent).toEqual([rows.length]);
    expect(replies.map((r) => [r.s, r.created])).toEqual(Array(rows.length * 2).fill(['OK', true]));
  });

  it('passes a failed call on to every decision of the batch', async () => {
    const batches = new DecisionBatches((batch) => batch.map(() => Promise.reject(new Error('Redis is gone'))));
    const bucket = keys.bucket(STORE, skus[0] as string, 0);
    const answers = [
      batches.decide(bucket, args('a', 1, '00000000-0000-7000-8000-00000000b001')),
      batches.decide(bucket, args('b', 1, '00000000-0000-7000-8000-00000000b002')),
    ];
    for (const answer of answers) await expect(answer).rejects.toThrow('Redis is gone');
  });
});

describe('decision batches of several buckets', () => {
  it("answers each bucket's decisions as soon as its own call is answered, never after another bucket's", async () => {
    let answerSlow: (replies: ScriptReply[]) => void = () => {};
    const slow = new Promise<ScriptReply[]>((resolve) => {
      answerSlow = resolve;
    });
    const ok = (): ScriptReply => ({ s: 'OK', created: true, prev: 0 });
    const batches = new DecisionBatches((calls) =>
      calls.map((c) => (c.keys[0] === 'slow' ? slow : Promise.resolve([ok()]))),
    );
    const order: string[] = [];
    const a = batches.decide(['slow', 'h', 'o', 'e'], args('a', 1, 'id-a')).then(() => order.push('slow'));
    const b = batches.decide(['fast', 'h', 'o', 'e'], args('b', 1, 'id-b')).then(() => order.push('fast'));
    await b;
    expect(order).toEqual(['fast']);
    answerSlow([ok()]);
    await a;
    expect(order).toEqual(['fast', 'slow']);
  });
});
