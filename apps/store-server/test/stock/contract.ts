import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeOrder } from '../../src/orders/checkout';
import { orderPricer } from '../../src/orders/pricing';
import { PricingService } from '../../src/pricing/service';
import type { HoldResult } from '../../src/stock/authority';
import { STORE, StockDriver, type StockHarness } from './harness';

const MINUTE = 60_000;

function granted(result: HoldResult) {
  if (!result.ok) throw new Error(`expected a hold, got ${result.refusal.code}: ${result.refusal.message}`);
  return result.hold;
}

function refused(result: HoldResult) {
  if (result.ok) throw new Error(`expected a refusal, got hold ${result.hold.holdId} of ${result.hold.qty}`);
  return result.refusal;
}

/**
 * What every StockAuthority must do, whatever keeps its state. Run against both modes
 * (stock-contract-postgres.test.ts, stock-contract-redis.test.ts).
 */
export function stockAuthorityContract(makeHarness: () => Promise<StockHarness>) {
  let h: StockHarness;
  let d: StockDriver;

  beforeAll(async () => {
    h = await makeHarness();
    d = await new StockDriver(h).init();
  });
  afterAll(() => h?.close());

  const hold = (sku: string, holderId: string, qty: number, cartId?: string) =>
    h.authority.setHold({ storeId: STORE, sku, holderId, qty, cartId });

  describe('granting', () => {
    it('grants a hold within stock, for the store hold time, and shows it in availability', async () => {
      const sku = await d.freshSku(10);
      const result = await hold(sku, 'alice', 3, 'cart-1');
      expect(result).toMatchObject({ ok: true, created: true });
      const g = granted(result);
      expect(g).toMatchObject({ sku, holderId: 'alice', cartId: 'cart-1', qty: 3, state: 'active', storeId: STORE });
      expect(g.expiresAt).toBe(h.clock.now + 15 * MINUTE);
      expect(await d.availability(sku)).toEqual({ sku, onHand: 10, held: 3, available: 7 });
      expect(await h.authority.getHold(STORE, g.holdId)).toMatchObject({ holdId: g.holdId, qty: 3, state: 'active' });
      await d.checkInvariant(sku);
    });

    it("sets the holder's one hold per SKU to the new total (a retry changes nothing)", async () => {
      const sku = await d.freshSku(10);
      const first = granted(await hold(sku, 'bob', 2));
      const more = await hold(sku, 'bob', 5);
      expect(more).toMatchObject({ ok: true, created: false, hold: { holdId: first.holdId, qty: 5 } });
      const retry = await hold(sku, 'bob', 5);
      expect(retry).toMatchObject({ ok: true, created: false, hold: { holdId: first.holdId, qty: 5 } });
      const fewer = await hold(sku, 'bob', 1);
      expect(fewer).toMatchObject({ ok: true, hold: { holdId: first.holdId, qty: 1 } });
      expect(await d.availability(sku)).toMatchObject({ held: 1, available: 9 });
      await d.checkInvariant(sku);
    });

    it('keeps holds of different holders apart', async () => {
      const sku = await d.freshSku(5);
      const a = granted(await hold(sku, 'a', 2));
      const b = granted(await hold(sku, 'b', 3));
      expect(a.holdId).not.toBe(b.holdId);
      expect((await h.authority.holdsOf(STORE, 'a')).map((x) => x.holdId)).toEqual([a.holdId]);
      await d.checkInvariant(sku);
    });
  });

  describe('refusing, with the reason and its numbers, changing nothing', () => {
    it('SOLD_OUT when nothing is on hand', async () => {
      const sku = await d.freshSku(0);
      expect(refused(await hold(sku, 'x', 1))).toMatchObject({ code: 'SOLD_OUT', sku, available: 0 });
      await d.checkInvariant(sku);
    });

    it('NOT_ENOUGH with how many are available', async () => {
      const sku = await d.freshSku(4);
      granted(await hold(sku, 'other', 1));
      const r = refused(await hold(sku, 'x', 5));
      expect(r).toMatchObject({ code: 'NOT_ENOUGH', available: 3, requested: 5, youHold: 0 });
      expect(r.message).toContain('Only 3 units');
      expect(await d.availability(sku)).toMatchObject({ held: 1, available: 3 });
      await d.checkInvariant(sku);
    });

    it('NOT_ENOUGH when raising an existing hold beyond what is left; the hold stays as it was', async () => {
      const sku = await d.freshSku(4);
      const mine = granted(await hold(sku, 'x', 2));
      expect(refused(await hold(sku, 'x', 7))).toMatchObject({
        code: 'NOT_ENOUGH',
        available: 2,
        youHold: 2,
        requested: 7,
      });
      expect(await h.authority.getHold(STORE, mine.holdId)).toMatchObject({ qty: 2, state: 'active' });
      await d.checkInvariant(sku);
    });

    it('HELD_BY_OTHERS with when the first of those holds expires', async () => {
      const sku = await d.freshSku(3);
      const t0 = h.clock.now;
      granted(await hold(sku, 'p', 1));
      h.clock.advance(1_000);
      granted(await hold(sku, 'q', 2));
      h.clock.advance(1_000);
      const r = refused(await hold(sku, 'late', 1));
      expect(r).toMatchObject({ code: 'HELD_BY_OTHERS', available: 0 });
      expect(r.firstExpiresAt).toBe(new Date(t0 + 15 * MINUTE).toISOString());
      await d.checkInvariant(sku);
    });

    it('ALREADY_HOLDS_LAST when this holder holds what is left', async () => {
      const sku = await d.freshSku(2);
      granted(await hold(sku, 'last', 2));
      expect(refused(await hold(sku, 'last', 3))).toMatchObject({ code: 'ALREADY_HOLDS_LAST', youHold: 2 });
      await d.checkInvariant(sku);
    });

    it('LIMIT_PER_CUSTOMER from the SKU, else from the store', async () => {
      const sku = await d.freshSku(50, { maxPerHolder: 2 });
      granted(await hold(sku, 'lim', 2));
      expect(refused(await hold(sku, 'lim', 3))).toMatchObject({
        code: 'LIMIT_PER_CUSTOMER',
        limit: 2,
        youHold: 2,
        requested: 3,
      });
      const other = await d.freshSku(50);
      await h.db.pool.query(`UPDATE stores SET settings = settings || '{"maxPerHolder": 4}' WHERE id = $1`, [STORE]);
      try {
        expect(refused(await hold(other, 'lim', 5))).toMatchObject({ code: 'LIMIT_PER_CUSTOMER', limit: 4 });
        granted(await hold(other, 'lim', 4));
      } finally {
        await h.db.pool.query(`UPDATE stores SET settings = settings - 'maxPerHolder' WHERE id = $1`, [STORE]);
      }
      await d.checkInvariant(sku);
      await d.checkInvariant(other);
    });

    it('UNKNOWN_SKU for a product that does not exist', async () => {
      expect(refused(await hold('NO-SUCH-SKU-1', 'x', 1))).toMatchObject({ code: 'UNKNOWN_SKU' });
    });
  });

  describe('changing, releasing, extending', () => {
    it('changes a hold by id up and down; the stock follows', async () => {
      const sku = await d.freshSku(6);
      const g = granted(await hold(sku, 'c', 2));
      expect(await h.authority.changeHold({ storeId: STORE, holdId: g.holdId, qty: 6 })).toMatchObject({
        ok: true,
        hold: { qty: 6 },
      });
      expect(await d.availability(sku)).toMatchObject({ available: 0, held: 6 });
      expect(refused(await h.authority.changeHold({ storeId: STORE, holdId: g.holdId, qty: 7 }))).toMatchObject({
        code: 'ALREADY_HOLDS_LAST',
      });
      expect(await h.authority.changeHold({ storeId: STORE, holdId: g.holdId, qty: 1 })).toMatchObject({
        ok: true,
        hold: { qty: 1 },
      });
      expect(await d.availability(sku)).toMatchObject({ available: 5, held: 1 });
      await d.checkInvariant(sku);
    });

    it('NO_HOLD for a hold that does not exist or was released', async () => {
      const sku = await d.freshSku(3);
      const missing = '01890000-0000-7000-8000-000000000000';
      expect(refused(await h.authority.changeHold({ storeId: STORE, holdId: missing, qty: 1 }))).toMatchObject({
        code: 'NO_HOLD',
      });
      expect(refused(await h.authority.releaseHold(STORE, missing))).toMatchObject({ code: 'NO_HOLD' });
      const g = granted(await hold(sku, 'r', 1));
      expect(await h.authority.releaseHold(STORE, g.holdId)).toMatchObject({ ok: true, hold: { state: 'released' } });
      expect(refused(await h.authority.changeHold({ storeId: STORE, holdId: g.holdId, qty: 2 }))).toMatchObject({
        code: 'NO_HOLD',
      });
      await d.checkInvariant(sku);
    });

    it('releases a hold once; releasing again is safe and changes nothing', async () => {
      const sku = await d.freshSku(3);
      const g = granted(await hold(sku, 'rel', 3));
      await h.authority.releaseHold(STORE, g.holdId);
      expect(await h.authority.releaseHold(STORE, g.holdId)).toMatchObject({ ok: true, hold: { state: 'released' } });
      expect(await d.availability(sku)).toMatchObject({ available: 3, held: 0 });
      await h.authority.flush();
      expect(await h.authority.getHold(STORE, g.holdId)).toMatchObject({ state: 'released' });
      await d.checkInvariant(sku);
    });

    it('expires holds: the sweeper returns the stock; a late change says HOLD_EXPIRED', async () => {
      const sku = await d.freshSku(5);
      const g = granted(await hold(sku, 'e', 4));
      h.clock.advance(15 * MINUTE - 1);
      await h.authority.expireDue();
      expect(await d.availability(sku)).toMatchObject({ available: 1, held: 4 });
      h.clock.advance(1);
      // (Holds of earlier tests expire now too: the clock is shared.)
      expect(await h.authority.expireDue()).toBeGreaterThanOrEqual(1);
      expect(await d.availability(sku)).toMatchObject({ available: 5, held: 0 });
      expect(refused(await h.authority.changeHold({ storeId: STORE, holdId: g.holdId, qty: 1 }))).toMatchObject({
        code: 'HOLD_EXPIRED',
        holdId: g.holdId,
        expiredAt: new Date(g.expiresAt).toISOString(),
      });
      await h.authority.flush();
      expect(await h.authority.getHold(STORE, g.holdId)).toMatchObject({
        state: 'expired',
        reason: 'The hold expired',
      });
      await d.checkInvariant(sku);
    });

    it('never refuses because of a hold that has expired but was not swept yet', async () => {
      const sku = await d.freshSku(2);
      granted(await hold(sku, 'old', 2));
      h.clock.advance(15 * MINUTE);
      const fresh = granted(await hold(sku, 'new', 2));
      expect(fresh.qty).toBe(2);
      await d.checkInvariant(sku);
    });

    it('extends a hold for a pending payment, and refuses to extend an expired one', async () => {
      const sku = await d.freshSku(2);
      const g = granted(await hold(sku, 'pay', 1));
      h.clock.advance(14 * MINUTE);
      const extended = await h.authority.extendHold(STORE, g.holdId, 10 * MINUTE);
      expect(extended).toMatchObject({ ok: true, hold: { expiresAt: h.clock.now + 10 * MINUTE } });
      h.clock.advance(5 * MINUTE);
      await h.authority.expireDue();
      expect(await h.authority.getHold(STORE, g.holdId)).toMatchObject({ state: 'active' });
      h.clock.advance(6 * MINUTE);
      expect(refused(await h.authority.extendHold(STORE, g.holdId, 10 * MINUTE))).toMatchObject({
        code: 'HOLD_EXPIRED',
      });
      await d.checkInvariant(sku);
    });
  });

  describe('guest to user at login', () => {
    it("moves a guest's holds to the user, merging with the user's own (within the limit)", async () => {
      const a = await d.freshSku(10, { maxPerHolder: 4 });
      const b = await d.freshSku(10);
      const guestA = granted(await hold(a, 'guest-1', 3));
      const guestB = granted(await hold(b, 'guest-1', 2));
      const userA = granted(await hold(a, 'user-1', 2));
      const result = await h.authority.transferHolds(STORE, 'guest-1', 'user-1');
      expect(result.releasedUnits).toBe(1);
      expect(result.holds.map((x) => [x.sku, x.holderId, x.qty]).sort()).toEqual(
        [
          [a, 'user-1', 4],
          [b, 'user-1', 2],
        ].sort(),
      );
      expect(result.holds.find((x) => x.sku === a)?.holdId).toBe(userA.holdId);
      expect(result.holds.find((x) => x.sku === b)?.holdId).toBe(guestB.holdId);
      expect(await h.authority.holdsOf(STORE, 'guest-1')).toEqual([]);
      expect((await h.authority.holdsOf(STORE, 'user-1')).length).toBe(2);
      await h.authority.flush();
      expect(await h.authority.getHold(STORE, guestA.holdId)).toMatchObject({ state: 'released' });
      expect(await d.availability(a)).toMatchObject({ held: 4, available: 6 });
      await d.checkInvariant(a);
      await d.checkInvariant(b);
    });
  });

  describe('PostgreSQL changes the authority must follow', () => {
    it('a stock decrease never leaves more held than on hand: the newest holds are cut, holders told why', async () => {
      const sku = await d.freshSku(10);
      const oldest = granted(await hold(sku, 'h1', 4));
      h.clock.advance(10);
      const middle = granted(await hold(sku, 'h2', 3));
      h.clock.advance(10);
      const newest = granted(await hold(sku, 'h3', 2));
      const result = await d.adjust('shrinkage', [{ sku, delta: -5 }]);
      // on hand 5, held 9: 4 units come back from the newest holds.
      expect(result.lines[0]?.holdsTaken.map((t) => [t.holdId, t.taken])).toEqual([
        [newest.holdId, 2],
        [middle.holdId, 2],
      ]);
      await h.authority.flush();
      expect(await h.authority.getHold(STORE, newest.holdId)).toMatchObject({ state: 'cut' });
      expect((await h.authority.getHold(STORE, newest.holdId))?.reason).toMatch(/written off/);
      expect(await h.authority.getHold(STORE, middle.holdId)).toMatchObject({ state: 'active', qty: 1 });
      expect(await h.authority.getHold(STORE, oldest.holdId)).toMatchObject({ state: 'active', qty: 4 });
      expect(await d.availability(sku)).toEqual({ sku, onHand: 5, held: 5, available: 0 });
      // The cut hold cannot be changed any more; the reduced one can.
      expect(refused(await h.authority.changeHold({ storeId: STORE, holdId: newest.holdId, qty: 1 }))).toMatchObject({
        code: 'NO_HOLD',
      });
      expect(await h.authority.changeHold({ storeId: STORE, holdId: middle.holdId, qty: 1 })).toMatchObject({
        ok: true,
      });
      await d.checkInvariant(sku);
    });

    it('receipts make more available at once', async () => {
      const sku = await d.freshSku(1);
      granted(await hold(sku, 'r1', 1));
      expect(refused(await hold(sku, 'r2', 1)).code).toBe('HELD_BY_OTHERS');
      await d.adjust('receipt', [{ sku, delta: 5 }]);
      granted(await hold(sku, 'r2', 5));
      await d.checkInvariant(sku);
    });

    it('an offline sale beyond what is available cuts holds, and beyond on hand blocks holds', async () => {
      const sku = await d.freshSku(5);
      granted(await hold(sku, 'o1', 2));
      const newest = granted(await hold(sku, 'o2', 2));
      const sale = await d.sellOffline(sku, 3);
      expect(sale.lines[0]).toMatchObject({ shortfall: 2, holdsTaken: [{ holdId: newest.holdId, taken: 2 }] });
      expect(await d.availability(sku)).toEqual({ sku, onHand: 2, held: 2, available: 0 });
      await d.checkInvariant(sku);
      await d.sellOffline(sku, 4);
      expect(await d.availability(sku)).toEqual({ sku, onHand: -2, held: 0, available: -2 });
      expect(refused(await hold(sku, 'o3', 1)).code).toBe('SOLD_OUT');
      await d.checkInvariant(sku, { offline: true });
      await d.adjust('count', [{ sku, onHand: 3 }]);
      granted(await hold(sku, 'o3', 3));
      await d.checkInvariant(sku);
    });
  });

  describe('checkout', () => {
    it('turns holds into an order: held becomes sold, the holds are converted', async () => {
      const sku = await d.freshSku(5);
      const other = await d.freshSku(5);
      const a = granted(await hold(sku, 'buyer', 2));
      const b = granted(await hold(other, 'buyer', 1));
      const { order, replayed } = await d.checkout('buyer', [a.holdId, b.holdId]);
      expect(replayed).toBe(false);
      expect(order.lines.map((l) => [l.sku, l.qty, l.holdId])).toEqual([
        [sku, 2, a.holdId],
        [other, 1, b.holdId],
      ]);
      expect(await d.availability(sku)).toEqual({ sku, onHand: 3, held: 0, available: 3 });
      expect(await h.authority.getHold(STORE, a.holdId)).toMatchObject({ state: 'converted', orderId: order.orderId });
      const after = await d.checkInvariant(sku);
      expect(after.sold).toBeGreaterThanOrEqual(2);
      // The converted hold is gone from the authority: the units are sold, not free.
      granted(await hold(sku, 'next', 3));
      expect(refused(await hold(other, 'next', 5))).toMatchObject({ code: 'NOT_ENOUGH', available: 4 });
      await d.checkInvariant(sku);
    });

    it('refuses an order with an expired, released or foreign hold, and changes nothing', async () => {
      const sku = await d.freshSku(5);
      const mine = granted(await hold(sku, 'ck', 1));
      const theirs = granted(await hold(sku, 'someone-else', 1));
      await expect(d.checkout('ck', [mine.holdId, theirs.holdId])).rejects.toMatchObject({
        statusCode: 409,
        code: 'NO_HOLD',
      });
      h.clock.advance(15 * MINUTE);
      await expect(d.checkout('ck', [mine.holdId])).rejects.toMatchObject({ statusCode: 409, code: 'HOLD_EXPIRED' });
      h.clock.advance(-15 * MINUTE);
      expect(await d.availability(sku)).toMatchObject({ held: 2, onHand: 5 });
      await d.checkInvariant(sku);
    });

    it('the same idempotency key gives the same order, once', async () => {
      const sku = await d.freshSku(5);
      const g = granted(await hold(sku, 'idem', 2));
      const key = `key-${g.holdId}`;
      const [first, second] = await Promise.all([
        d.checkout('idem', [g.holdId], key),
        d.checkout('idem', [g.holdId], key),
      ]);
      expect(first.order.orderId).toBe(second.order.orderId);
      expect([first.replayed, second.replayed].sort()).toEqual([false, true]);
      const third = await d.checkout('idem', [g.holdId], key);
      expect(third).toMatchObject({ replayed: true, order: { orderId: first.order.orderId } });
      const orders = await h.db.pool.query(`SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1`, [key]);
      expect(orders.rows[0].n).toBe(1);
      expect(await d.availability(sku)).toEqual({ sku, onHand: 3, held: 0, available: 3 });
      await d.checkInvariant(sku);
    });
    it('prices the order again when a hold changes while it is priced, and leaves nothing of the first try', async () => {
      const sku = await d.freshSku(5);
      const g = granted(await hold(sku, 'repriced', 1));
      const realPrice = orderPricer(new PricingService(h.db.pool, undefined));
      const priced: number[] = [];
      const key = `key-${g.holdId}`;
      const { order } = await placeOrder(
        {
          db: h.db.pool,
          authority: h.authority,
          clock: h.clock.read,
          price: async (storeId, lines, request) => {
            priced.push(lines[0]?.qty ?? 0);
            // The shopper raises the hold while the first pricing runs.
            if (priced.length === 1) granted(await h.authority.changeHold({ storeId, holdId: g.holdId, qty: 3 }));
            return realPrice(storeId, lines, request);
          },
        },
        {
          storeId: STORE,
          holderId: 'repriced',
          holdIds: [g.holdId],
          payment: { method: 'card', reference: `pay-${key}` },
          idempotencyKey: key,
        },
      );
      expect(priced).toEqual([1, 3]);
      expect(order.lines.map((l) => [l.sku, l.qty, l.holdId])).toEqual([[sku, 3, g.holdId]]);
      const orders = await h.db.pool.query(`SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1`, [key]);
      expect(orders.rows[0].n).toBe(1);
      expect(await d.availability(sku)).toEqual({ sku, onHand: 2, held: 0, available: 2 });
      await d.checkInvariant(sku);
    });
  });

  describe('concurrency', () => {
    it('grants exactly the stock to many holders asking at once', async () => {
      const sku = await d.freshSku(37);
      const results = await Promise.all(Array.from({ length: 150 }, (_, i) => hold(sku, `crowd-${i}`, 1)));
      expect(results.filter((r) => r.ok)).toHaveLength(37);
      const codes = new Set(results.flatMap((r) => (r.ok ? [] : [r.refusal.code])));
      expect([...codes]).toEqual(['HELD_BY_OTHERS']);
      await d.checkInvariant(sku);
    });

    it('never grants beyond stock when holders raise and lower their holds at once', async () => {
      const sku = await d.freshSku(20);
      const holds = await Promise.all(Array.from({ length: 10 }, (_, i) => hold(sku, `mix-${i}`, 1)));
      const ids = holds.map((r) => granted(r).holdId);
      await Promise.all(
        ids.flatMap((holdId, i) => [
          h.authority.changeHold({ storeId: STORE, holdId, qty: 1 + (i % 4) }),
          h.authority.changeHold({ storeId: STORE, holdId, qty: 5 }),
          i % 3 === 0 ? h.authority.releaseHold(STORE, holdId) : Promise.resolve(undefined),
        ]),
      );
      await d.checkInvariant(sku);
    });
  });
}
