import fc from 'fast-check';
import { expect } from 'vitest';
import type { StockAuthority } from '../../src/stock/authority';
import { STORE, type StockDriver } from './harness';

const MINUTE = 60_000;
const HOLD_MS = 15 * MINUTE;
export const LIMIT = 5;
const HOLDERS = ['ann', 'ben', 'cat', 'dan', 'eve'] as const;

interface ModelHold {
  holdId: string;
  qty: number;
  expiresAt: number;
  /** Creation order: cuts take from the newest first. */
  seq: number;
}

/** What the stock of one SKU must be, whatever the authority does inside. */
export interface Model {
  onHand: number;
  sold: number;
  holds: Map<string, ModelHold>;
  seq: number;
  wentNegative: boolean;
}

export interface Real {
  d: StockDriver;
  authority: StockAuthority;
  sku: string;
  /**
   * The holder id of a model holder in this run: a transfer moves all of a holder's holds in the
   * store, so holders of earlier runs (other SKUs, holds not expired yet) must not be this run's.
   */
  who(holder: string): string;
  now(): number;
  advance(ms: number): void;
}

const heldIn = (m: Model) => [...m.holds.values()].reduce((n, h) => n + h.qty, 0);

/** The model's stock decrease: the newest holds give back units until held fits on hand. */
function cutNewest(m: Model) {
  let excess = heldIn(m) - Math.max(0, m.onHand);
  const newest = [...m.holds.entries()].sort(([, a], [, b]) => b.seq - a.seq);
  for (const [holder, h] of newest) {
    if (excess <= 0) break;
    const take = Math.min(h.qty, excess);
    h.qty -= take;
    excess -= take;
    if (h.qty === 0) m.holds.delete(holder);
  }
}

async function check(m: Model, r: Real) {
  await r.d.checkInvariant(r.sku, { offline: m.wentNegative });
  expect(await r.d.availability(r.sku)).toEqual({
    sku: r.sku,
    onHand: m.onHand,
    held: heldIn(m),
    available: m.onHand - heldIn(m),
  });
  for (const [holder, h] of m.holds) {
    expect(await r.authority.getHold(STORE, h.holdId)).toMatchObject({
      holderId: r.who(holder),
      qty: h.qty,
      state: 'active',
    });
  }
}

class SetHold implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly holder: string,
    readonly qty: number,
    readonly byId: boolean,
  ) {}
  check(m: Readonly<Model>) {
    return !this.byId || m.holds.has(this.holder);
  }
  async run(m: Model, r: Real) {
    const mine = m.holds.get(this.holder);
    const result =
      this.byId && mine
        ? await r.authority.changeHold({ storeId: STORE, holdId: mine.holdId, qty: this.qty })
        : await r.authority.setHold({ storeId: STORE, sku: r.sku, holderId: r.who(this.holder), qty: this.qty });
    const have = mine?.qty ?? 0;
    const fits = this.qty <= LIMIT && this.qty - have <= m.onHand - heldIn(m);
    expect(result.ok, result.ok ? '' : `${result.refusal.code}: ${result.refusal.message}`).toBe(fits);
    if (result.ok) {
      if (mine) expect(result.hold.holdId).toBe(mine.holdId);
      m.holds.set(this.holder, {
        holdId: result.hold.holdId,
        qty: this.qty,
        expiresAt: Math.max(mine?.expiresAt ?? 0, r.now() + HOLD_MS),
        seq: mine?.seq ?? m.seq++,
      });
      expect(result.hold.expiresAt).toBe(m.holds.get(this.holder)?.expiresAt);
    } else {
      const code = result.refusal.code;
      expect(
        this.qty > LIMIT ? ['LIMIT_PER_CUSTOMER'] : ['SOLD_OUT', 'HELD_BY_OTHERS', 'ALREADY_HOLDS_LAST', 'NOT_ENOUGH'],
      ).toContain(code);
      if (code === 'NOT_ENOUGH') expect(result.refusal.available).toBe(m.onHand - heldIn(m));
    }
    await check(m, r);
  }
  toString() {
    return `${this.byId ? 'change' : 'hold'}(${this.holder}, ${this.qty})`;
  }
}

class Release implements fc.AsyncCommand<Model, Real> {
  constructor(readonly holder: string) {}
  check(m: Readonly<Model>) {
    return m.holds.has(this.holder);
  }
  async run(m: Model, r: Real) {
    const h = m.holds.get(this.holder) as ModelHold;
    expect(await r.authority.releaseHold(STORE, h.holdId)).toMatchObject({ ok: true, hold: { state: 'released' } });
    m.holds.delete(this.holder);
    await check(m, r);
  }
  toString() {
    return `release(${this.holder})`;
  }
}

class Expire implements fc.AsyncCommand<Model, Real> {
  constructor(readonly minutes: number) {}
  check() {
    return true;
  }
  async run(m: Model, r: Real) {
    r.advance(this.minutes * MINUTE);
    await r.authority.expireDue();
    for (const [holder, h] of m.holds) if (h.expiresAt <= r.now()) m.holds.delete(holder);
    await check(m, r);
  }
  toString() {
    return `wait(${this.minutes} min)`;
  }
}

class Extend implements fc.AsyncCommand<Model, Real> {
  constructor(readonly holder: string) {}
  check(m: Readonly<Model>) {
    return m.holds.has(this.holder);
  }
  async run(m: Model, r: Real) {
    const h = m.holds.get(this.holder) as ModelHold;
    const result = await r.authority.extendHold(STORE, h.holdId, 10 * MINUTE);
    expect(result.ok).toBe(true);
    h.expiresAt = Math.max(h.expiresAt, r.now() + 10 * MINUTE);
    if (result.ok) expect(result.hold.expiresAt).toBe(h.expiresAt);
    await check(m, r);
  }
  toString() {
    return `extend(${this.holder})`;
  }
}

class Checkout implements fc.AsyncCommand<Model, Real> {
  constructor(readonly holder: string) {}
  check(m: Readonly<Model>) {
    return m.holds.has(this.holder);
  }
  async run(m: Model, r: Real) {
    const h = m.holds.get(this.holder) as ModelHold;
    const { order } = await r.d.checkout(r.who(this.holder), [h.holdId]);
    expect(order.lines).toMatchObject([{ sku: r.sku, qty: h.qty }]);
    m.onHand -= h.qty;
    m.sold += h.qty;
    m.holds.delete(this.holder);
    await check(m, r);
  }
  toString() {
    return `checkout(${this.holder})`;
  }
}

class Adjust implements fc.AsyncCommand<Model, Real> {
  constructor(readonly delta: number) {}
  check() {
    return true;
  }
  async run(m: Model, r: Real) {
    const kind = this.delta > 0 ? 'receipt' : 'shrinkage';
    const attempt = r.d.adjust(kind, [{ sku: r.sku, delta: this.delta }]);
    if (m.onHand + this.delta < 0) {
      await expect(attempt).rejects.toMatchObject({ code: 'NOT_ENOUGH_ON_HAND' });
    } else {
      await attempt;
      m.onHand += this.delta;
      cutNewest(m);
    }
    await check(m, r);
  }
  toString() {
    return `adjust(${this.delta})`;
  }
}

class SellOffline implements fc.AsyncCommand<Model, Real> {
  constructor(readonly qty: number) {}
  check() {
    return true;
  }
  async run(m: Model, r: Real) {
    const available = m.onHand - heldIn(m);
    const { lines } = await r.d.sellOffline(r.sku, this.qty);
    expect(lines[0]?.shortfall).toBe(Math.max(0, this.qty - Math.max(0, available)));
    m.onHand -= this.qty;
    m.sold += this.qty;
    if (m.onHand < 0) m.wentNegative = true;
    cutNewest(m);
    await check(m, r);
  }
  toString() {
    return `sellOffline(${this.qty})`;
  }
}

class Transfer implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {}
  check(m: Readonly<Model>) {
    return this.from !== this.to && m.holds.has(this.from);
  }
  async run(m: Model, r: Real) {
    const g = m.holds.get(this.from) as ModelHold;
    const u = m.holds.get(this.to);
    const result = await r.authority.transferHolds(STORE, r.who(this.from), r.who(this.to));
    m.holds.delete(this.from);
    if (!u) {
      m.holds.set(this.to, g);
      expect(result.releasedUnits).toBe(0);
    } else {
      const keep = Math.min(LIMIT, u.qty + g.qty);
      expect(result.releasedUnits).toBe(u.qty + g.qty - keep);
      u.qty = keep;
      u.expiresAt = Math.max(u.expiresAt, g.expiresAt);
    }
    await check(m, r);
  }
  toString() {
    return `transfer(${this.from} -> ${this.to})`;
  }
}

const holder = fc.constantFrom(...HOLDERS);

export const stockCommands = fc.commands(
  [
    fc.tuple(holder, fc.integer({ min: 1, max: LIMIT + 1 })).map(([h, q]) => new SetHold(h, q, false)),
    fc.tuple(holder, fc.integer({ min: 1, max: LIMIT + 1 })).map(([h, q]) => new SetHold(h, q, true)),
    holder.map((h) => new Release(h)),
    fc.integer({ min: 1, max: 16 }).map((n) => new Expire(n)),
    holder.map((h) => new Extend(h)),
    holder.map((h) => new Checkout(h)),
    fc
      .integer({ min: -6, max: 8 })
      .filter((n) => n !== 0)
      .map((n) => new Adjust(n)),
    fc.integer({ min: 1, max: 6 }).map((n) => new SellOffline(n)),
    fc.tuple(holder, holder).map(([a, b]) => new Transfer(a, b)),
  ],
  { maxCommands: 40, size: 'large' },
);

/** Random interleavings of every operation never break the invariant, oversell, or refuse what fits. */
export async function runStockModel(
  d: StockDriver,
  authority: StockAuthority,
  clock: { now: number },
  numRuns: number,
) {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 12 }), stockCommands, async (initial, commands) => {
      const sku = await d.freshSku(initial, { maxPerHolder: LIMIT });
      const model: Model = { onHand: initial, sold: 0, holds: new Map(), seq: 0, wentNegative: false };
      const real: Real = {
        d,
        authority,
        sku,
        who: (holder) => `${sku}:${holder}`,
        now: () => clock.now,
        advance: (ms) => {
          clock.now += ms;
        },
      };
      await fc.asyncModelRun(() => ({ model, real }), commands);
    }),
    { numRuns },
  );
}
