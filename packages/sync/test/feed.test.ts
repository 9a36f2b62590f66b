import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audiencesOf, type Change, changesBatchSchema, coalesce, coalescingKey, decide } from '../src/index';

const change = (seq: number, type: string, payload: Record<string, unknown> = {}): Change => ({
  seq,
  type,
  storeId: 'demo',
  at: new Date(0).toISOString(),
  payload,
});

describe('routing', () => {
  it('sends catalog and price changes to everyone, the store business to the manager', () => {
    expect(audiencesOf('price.changed')).toEqual(['terminal', 'dashboard', 'storefront']);
    expect(audiencesOf('rule.upserted')).toEqual(['terminal', 'dashboard', 'storefront']);
    expect(audiencesOf('stock.changed')).toEqual(['terminal', 'dashboard', 'storefront']);
    expect(audiencesOf('customer.upserted')).toEqual(['terminal', 'dashboard']);
    expect(audiencesOf('stock.sold_offline')).toEqual(['dashboard']);
    expect(audiencesOf('sale.recorded')).toEqual(['dashboard']);
    expect(audiencesOf('drawer.opened')).toEqual(['dashboard']);
    expect(audiencesOf('alert.low_stock')).toEqual(['dashboard']);
    expect(audiencesOf('hold.cut')).toEqual(['dashboard', 'storefront']);
    expect(audiencesOf('hold.expired')).toEqual(['dashboard', 'storefront']);
  });

  it('keeps the hold changes a client asked for itself out of the live feed (audit only)', () => {
    for (const type of ['hold.granted', 'hold.changed', 'hold.extended', 'hold.released', 'hold.converted']) {
      expect(audiencesOf(type)).toEqual([]);
    }
    expect(audiencesOf('hold.transferred')).toEqual([]);
    expect(audiencesOf('hold.some_new_kind')).toEqual(['dashboard', 'storefront']);
  });

  it('sends a type nobody has named yet to terminals and dashboards', () => {
    expect(audiencesOf('loyalty_tier.upserted')).toEqual(['terminal', 'dashboard']);
  });
});

describe('coalescing', () => {
  it('keys stock levels by SKU and holds by hold, and nothing else', () => {
    expect(coalescingKey(change(1, 'stock.changed', { sku: 'A' }))).toBe('stock:A');
    expect(coalescingKey(change(1, 'hold.cut', { holdId: 'h1', sku: 'A' }))).toBe('hold:h1');
    expect(coalescingKey(change(1, 'alert.low_stock', { sku: 'A' }))).toBeUndefined();
    expect(coalescingKey(change(1, 'price.changed', { sku: 'A' }))).toBeUndefined();
    expect(coalescingKey(change(1, 'stock.sold_offline', { saleId: 'x' }))).toBeUndefined();
  });

  const feed = fc
    .array(
      fc.oneof(
        fc.record({ type: fc.constant('stock.changed'), key: fc.constantFrom('A', 'B', 'C'), v: fc.nat() }),
        fc.record({ type: fc.constant('hold.created'), key: fc.constantFrom('h1', 'h2'), v: fc.nat() }),
        fc.record({ type: fc.constant('price.changed'), key: fc.constantFrom('A', 'B'), v: fc.nat() }),
        fc.record({ type: fc.constant('alert.low_stock'), key: fc.constantFrom('A', 'B'), v: fc.nat() }),
      ),
      { maxLength: 60 },
    )
    .map((items) =>
      items.map((x, i) =>
        change(i + 1, x.type, x.type.startsWith('hold') ? { holdId: x.key, v: x.v } : { sku: x.key, v: x.v }),
      ),
    );

  /** A replica that keeps the latest state per thing and counts every other change. */
  const replay = (changes: Change[]) => {
    const state = new Map<string, unknown>();
    const others: number[] = [];
    for (const c of changes) {
      const key = coalescingKey(c);
      if (key) state.set(key, c.payload.v);
      else others.push(c.seq);
    }
    return { state: Object.fromEntries(state), others };
  };

  it('leaves a replica exactly as applying every change would, in order (property)', () => {
    fc.assert(
      fc.property(feed, (changes) => {
        const kept = coalesce(changes);
        expect(replay(kept)).toEqual(replay(changes));
        expect(kept.map((c) => c.seq)).toEqual([...kept.map((c) => c.seq)].sort((a, b) => a - b));
        expect(kept.every((c) => changes.includes(c))).toBe(true);
        expect(kept.at(-1)).toBe(changes.at(-1)); // the newest change always goes out
      }),
    );
  });
});

describe('what a client does with a pushed batch', () => {
  const batch = (prev: number | null, to: number, seqs: number[]) =>
    changesBatchSchema.parse({ prev, to, changes: seqs.map((s) => change(s, 'price.changed')) });

  it('applies a batch that continues from its cursor, skipping what it has', () => {
    expect(decide(10, batch(10, 14, [12, 14]))).toMatchObject({ action: 'apply', to: 14 });
    const overlap = decide(12, batch(10, 14, [11, 12, 14]));
    expect(overlap.action === 'apply' && overlap.changes.map((c) => c.seq)).toEqual([14]);
  });

  it('ignores what it already has, and pulls when it missed something or cannot tell', () => {
    expect(decide(14, batch(10, 14, [12, 14]))).toEqual({ action: 'ignore' });
    expect(decide(null, batch(10, 14, [12]))).toEqual({ action: 'ignore' });
    expect(decide(9, batch(10, 14, [12]))).toMatchObject({ action: 'pull', reason: 'missed changes 10–10' });
    expect(decide(9, batch(null, 14, []))).toMatchObject({ action: 'pull' });
  });

  it('refuses a batch out of order or reaching past its end', () => {
    expect(
      changesBatchSchema.safeParse({ prev: 1, to: 5, changes: [change(3, 'a.b'), change(2, 'a.b')] }).success,
    ).toBe(false);
    expect(changesBatchSchema.safeParse({ prev: 1, to: 2, changes: [change(3, 'a.b')] }).success).toBe(false);
    expect(changesBatchSchema.safeParse({ prev: 4, to: 9, changes: [change(3, 'a.b')] }).success).toBe(false);
  });
});
