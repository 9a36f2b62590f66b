import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE, StockDriver } from './stock/harness';
import { deletePrefix, redisClient, type redisHarness, twoInstances } from './stock/redis';
import { redisUrl } from './support';
import { waitFor } from './support/process';

const url = redisUrl();

/**
 * Redis mode with several store-server instances (one Redis, one PostgreSQL): each writes the
 * holds it decides to PostgreSQL through its own persister, up to a batch window later. A
 * shopper whose next request reaches another instance must find there what the first one
 * answered: a checkout reads the holds from PostgreSQL, so it waits until PostgreSQL shows
 * them as Redis has them; a holder's holds and the login transfer read them from PostgreSQL
 * once every instance has written what it had queued (peer-flush.ts).
 *
 * Instance A writes its decisions every 200 ms here, so that B's checkout, made at once, comes
 * before them (as one within the batch window in production would).
 */
describe.skipIf(!url)('one instance serving holds decided on another', () => {
  let instances: Awaited<ReturnType<typeof twoInstances>>;
  let a: Awaited<ReturnType<typeof redisHarness>>;
  let b: Awaited<ReturnType<typeof redisHarness>>;
  let onA: StockDriver;
  let onB: StockDriver;

  beforeAll(async () => {
    instances = await twoInstances(url as string, { persistIntervalMs: 200 });
    ({ a, b } = instances);
    onA = await new StockDriver(a).init();
    onB = await new StockDriver(b).init();
  }, 60_000);
  afterAll(() => instances?.close());

  it('places the order of a hold granted on the other instance a moment before', async () => {
    const sku = await onA.freshSku(10);
    const hold = await onA.grant(sku, 'fast-buyer', 2);
    const placed = await onB.checkout('fast-buyer', [hold.holdId]);
    expect(placed.order.lines.map((l) => [l.sku, l.qty])).toEqual([[sku, 2]]);
    expect(await onA.checkInvariant(sku)).toMatchObject({ onHand: 8, held: 0, available: 8 });
  });

  it('orders the quantity the other instance has just raised the hold to', async () => {
    const sku = await onA.freshSku(10);
    const hold = await onA.grant(sku, 'raises-then-pays', 1);
    await a.authority.flush();
    expect((await a.authority.changeHold({ storeId: STORE, holdId: hold.holdId, qty: 3 })).ok).toBe(true);
    const placed = await onB.checkout('raises-then-pays', [hold.holdId]);
    expect(placed.order.lines.map((l) => l.qty)).toEqual([3]);
    expect(await onA.checkInvariant(sku)).toMatchObject({ onHand: 7, held: 0, available: 7 });
  });

  it('refuses a hold the other instance has just released', async () => {
    const sku = await onA.freshSku(10);
    const hold = await onA.grant(sku, 'changes-mind', 2);
    await a.authority.flush();
    expect((await a.authority.releaseHold(STORE, hold.holdId)).ok).toBe(true);
    await expect(onB.checkout('changes-mind', [hold.holdId])).rejects.toMatchObject({ statusCode: 409 });
    expect(await onA.checkInvariant(sku)).toMatchObject({ onHand: 10, held: 0, available: 10 });
  });

  it("lists a holder's hold granted on the other instance a moment before", async () => {
    const sku = await onA.freshSku(10);
    const hold = await onA.grant(sku, 'looks-at-cart', 2);
    const listed = await b.authority.holdsOf(STORE, 'looks-at-cart');
    expect(listed.map((h) => [h.holdId, h.qty, h.state])).toEqual([[hold.holdId, 2, 'active']]);
  });

  it('moves at login the hold a guest got on the other instance a moment before', async () => {
    const sku = await onA.freshSku(10);
    const hold = await onA.grant(sku, 'guest-logs-in', 3);
    const moved = await b.authority.transferHolds(STORE, 'guest-logs-in', 'member-7');
    expect(moved.holds.map((h) => [h.holdId, h.holderId, h.qty])).toEqual([[hold.holdId, 'member-7', 3]]);
    expect(await b.authority.holdsOf(STORE, 'guest-logs-in')).toEqual([]);
    const placed = await onA.checkout('member-7', [hold.holdId]);
    expect(placed.order.lines.map((l) => [l.sku, l.qty])).toEqual([[sku, 3]]);
    expect(await onA.checkInvariant(sku)).toMatchObject({ onHand: 7, held: 0, available: 7 });
  });

  it('does not wait long for an instance that announced itself and then went silent', async () => {
    const redis = redisClient(url as string);
    await redis.connect();
    // An instance that crashed a moment ago: its heartbeat is fresh, but nobody will answer for it.
    await redis.hset(`${a.prefix}peers`, 'crashed-instance', String(Date.now()));
    await redis.quit();
    const sku = await onA.freshSku(10);
    const hold = await onA.grant(sku, 'meets-a-crash', 1);
    const started = Date.now();
    const listed = await b.authority.holdsOf(STORE, 'meets-a-crash');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(listed.map((h) => h.holdId)).toEqual([hold.holdId]);
  });
});

/**
 * Redis came back empty while another instance still had decisions queued for PostgreSQL
 * (made on the Redis that is gone): the instance that rebuilds the state asks the others it
 * remembers to write theirs first, so the rebuilt state counts them. Instance A writes only
 * once a minute here; B rebuilds.
 */
describe.skipIf(!url)('a rebuild while another instance has decisions queued', () => {
  it('counts the holds the other instance had not written yet', async () => {
    const { a, b, close } = await twoInstances(url as string, { persistIntervalMs: 60_000 });
    const redis = redisClient(url as string);
    try {
      await redis.connect();
      await waitFor(
        'both instances to announce themselves',
        async () => ((await redis.hlen(`${a.prefix}peers`)) >= 2 ? true : undefined),
        10_000,
      );
      const onA = await new StockDriver(a).init();
      const onB = await new StockDriver(b).init();
      const sku = await onA.freshSku(10);
      expect(await b.authority.holdsOf(STORE, 'nobody')).toEqual([]); // B looks at who is there
      const hold = await onA.grant(sku, 'early-bird', 3);

      await deletePrefix(redis, a.prefix); // Redis lost everything
      await b.authority.expireDue(); // the sweeper finds the state gone and rebuilds it
      expect(await b.authority.readiness()).toEqual({ ok: true });

      expect((await b.authority.getHold(STORE, hold.holdId))?.qty).toBe(3);
      const late = await b.authority.setHold({ storeId: STORE, sku, holderId: 'late-bird', qty: 8 });
      expect(late).toMatchObject({ ok: false, refusal: { code: 'NOT_ENOUGH', available: 7 } });
      await onB.checkInvariant(sku);
      expect(await onB.availability(sku)).toEqual({ sku, onHand: 10, held: 3, available: 7 });
    } finally {
      await redis.quit();
      await close();
    }
  }, 30_000);
});
