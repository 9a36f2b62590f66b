import { afterEach, describe, expect, it } from 'vitest';
import type { TerminalEvent } from '../src/core/views';
import { MINUTE, startTestTerminal, T0, type TestTerminal, tempDir } from './support/terminal';

let t: TestTerminal;
afterEach(async () => {
  await t?.terminal.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

function cachedRules(t: TestTerminal, cartId: string): string[] {
  return t.db
    .all<{ rule_id: string }>('SELECT rule_id FROM checkout_cache_rules WHERE cart_id = ? ORDER BY rule_id', [cartId])
    .map((r) => r.rule_id);
}

function cachedRule(t: TestTerminal, cartId: string, ruleId: string): Record<string, unknown> {
  const row = t.db.get<{ body: string }>('SELECT body FROM checkout_cache_rules WHERE cart_id = ? AND rule_id = ?', [
    cartId,
    ruleId,
  ]);
  return JSON.parse(row?.body ?? 'null') as Record<string, unknown>;
}

const flash = (id: string, sku: string, price: string, from: number, to: number) => ({
  id,
  name: `Flash ${sku}`,
  kind: 'price',
  appliesTo: { skus: [sku] },
  price,
  validFrom: iso(from),
  validTo: iso(to),
});

describe('the window', () => {
  it('opens at the first scan as [now − 1 min, now + 10 min] and holds the rules active at any moment of it', async () => {
    const rules = [
      // ended exactly where the window starts (validTo is exclusive): not in the window
      flash('ended-at-start', 'MUG', '1.00', T0 - 60 * MINUTE, T0 - MINUTE),
      // still on at the window's first millisecond
      flash('ends-inside', 'MUG', '11.00', T0 - 60 * MINUTE, T0 - MINUTE + 1),
      // starts on the window's last millisecond (the end is inclusive)
      flash('starts-at-end', 'MUG', '10.00', T0 + 10 * MINUTE, T0 + 20 * MINUTE),
      // starts one millisecond after it
      flash('starts-after', 'MUG', '9.00', T0 + 10 * MINUTE + 1, T0 + 20 * MINUTE),
    ];
    t = await startTestTerminal({ seed: { rules } });
    const view = await t.call('checkout.scan', { code: 'MUG' });
    expect(view.pricing).toMatchObject({ windowStart: T0 - MINUTE, windowEnd: T0 + 10 * MINUTE, snapshotSeq: 100 });
    expect(cachedRules(t, view.cartId ?? '')).toEqual(['ends-inside', 'starts-at-end']);
    // The engine checks each rule's own times: "ends-inside" is over by T0, nothing applies yet.
    expect(view.lines[0]?.total).toBe('12.00');

    // On the window's last millisecond the flash price is on, from the same cache.
    t.clock.set(T0 + 10 * MINUTE);
    const atEnd = await t.call('checkout.current', {});
    expect(atEnd.lines[0]?.total).toBe('10.00');
    expect(atEnd.pricing?.windowStart).toBe(T0 - MINUTE);

    // One millisecond later the window is left: a new one is built, and the later rule comes in.
    t.clock.set(T0 + 10 * MINUTE + 1);
    const after = await t.call('checkout.current', {});
    expect(after.pricing).toMatchObject({ windowStart: T0 + 9 * MINUTE + 1, windowEnd: T0 + 20 * MINUTE + 1 });
    expect(cachedRules(t, view.cartId ?? '')).toEqual(['starts-after', 'starts-at-end']);
    expect(after.lines[0]?.total).toBe('9.00');
  });

  it('loads a new item’s pricing data only, into the same window and snapshot', async () => {
    const rules = [
      { id: 'mug-10', name: 'Mugs 10% off', kind: 'discount', appliesTo: { skus: ['MUG'] }, percentOff: '10' },
      { id: 'toys-5', name: 'Toys $5 off', kind: 'discount', appliesTo: { categories: ['toys'] }, amountOff: '5' },
      { id: 'store-wide', name: 'Spend $200, save $10', kind: 'threshold', minSubtotal: '200', amountOff: '10' },
      {
        id: 'list',
        name: 'Price list',
        kind: 'priceList',
        prices: [
          { sku: 'BEAR', price: '28.00' },
          { sku: 'BALL', price: '20.00' },
          { sku: 'LAMP', price: '70.00' },
        ],
      },
    ];
    t = await startTestTerminal({ seed: { rules } });
    const first = await t.call('checkout.scan', { code: 'MUG' });
    const cartId = first.cartId ?? '';
    expect(cachedRules(t, cartId)).toEqual(['mug-10', 'store-wide']);
    t.clock.advance(2 * MINUTE);
    const second = await t.call('checkout.scan', { code: 'BEAR' });
    expect(second.pricing).toEqual(first.pricing && { ...first.pricing, rules: 4 });
    expect(cachedRules(t, cartId)).toEqual(['list', 'mug-10', 'store-wide', 'toys-5']);
    // A price list is cut to the items the checkout holds.
    expect(cachedRule(t, cartId, 'list').prices).toEqual([{ sku: 'BEAR', price: '28.00' }]);
    await t.call('checkout.scan', { code: 'BALL' });
    expect(cachedRule(t, cartId, 'list').prices).toEqual([
      { sku: 'BEAR', price: '28.00' },
      { sku: 'BALL', price: '20.00' },
    ]);
    const view = await t.call('checkout.current', {});
    expect(view.lines.map((l) => [l.sku, l.total])).toEqual([
      ['MUG', '10.80'],
      ['BEAR', '23.00'],
      ['BALL', '20.00'],
    ]);
  });

  it('brings mix-and-match deals whole: the second item of a set finds the deal already cached', async () => {
    const rules = [
      {
        id: 'desk-set',
        name: 'Lamp + mug for $85',
        kind: 'mixMatch',
        groups: [
          { skus: ['LAMP'], qty: 1 },
          { skus: ['MUG'], qty: 1 },
        ],
        dealPrice: '85',
      },
    ];
    t = await startTestTerminal({ seed: { rules } });
    const first = await t.call('checkout.scan', { code: 'LAMP' });
    expect(cachedRule(t, first.cartId ?? '', 'desk-set').groups).toHaveLength(2);
    const view = await t.call('checkout.scan', { code: 'MUG' });
    expect(view.subtotal).toBe('92.00');
    expect(view.lines.reduce((sum, l) => sum + Number(l.total), 0).toFixed(2)).toBe('85.00');
  });
});

describe('dropping and rebuilding the cache', () => {
  it('drops the cache when a loyalty card is attached, and builds it for a new window', async () => {
    const rules = [
      { id: 'gold', name: 'Gold 15%', kind: 'discount', segments: ['gold'], percentOff: '15' },
      flash('flash-later', 'LAMP', '60.00', T0 + 11 * MINUTE, T0 + 30 * MINUTE),
    ];
    t = await startTestTerminal({ seed: { rules } });
    const first = await t.call('checkout.scan', { code: 'LAMP' });
    const builtAt = () =>
      t.db.get<{ built_at: number }>('SELECT built_at FROM checkout_caches WHERE cart_id = ?', [first.cartId])
        ?.built_at;
    expect(builtAt()).toBe(T0);
    t.clock.advance(3 * MINUTE);
    const withCard = await t.call('checkout.attachCustomer', { query: '9000000001' });
    expect(builtAt()).toBe(T0 + 3 * MINUTE);
    expect(withCard.pricing).toMatchObject({ windowStart: T0 + 2 * MINUTE, windowEnd: T0 + 13 * MINUTE });
    expect(cachedRules(t, first.cartId ?? '')).toEqual(['flash-later', 'gold']);
    expect(withCard.lines[0]?.total).toBe('68.00');
    expect(withCard.notice?.message).toBe('Grace Gold is attached: 1 line changed.');
  });

  it('never mixes two snapshots: a new item after the replica moved on re-prices the whole cart, and says what changed', async () => {
    t = await startTestTerminal({ seed: {} });
    await t.call('checkout.scan', { code: 'MUG' });
    t.terminal.syncStore.applyChanges({
      to: 105,
      changes: [
        { seq: 101, type: 'price.changed', payload: { sku: 'MUG', price: { amount: '10.00', currency: 'USD' } } },
        {
          seq: 104,
          type: 'rule.upserted',
          payload: {
            id: 'bears',
            name: 'Bear week',
            kind: 'discount',
            appliesTo: { skus: ['BEAR'] },
            percentOff: '50',
          },
        },
      ],
    });
    // An item already in the checkout is read from its cache: same snapshot, same price.
    const again = await t.call('checkout.scan', { code: 'MUG' });
    expect(again.lines[0]?.total).toBe('24.00');
    expect(again.pricing?.snapshotSeq).toBe(100);
    // A new item cannot come from snapshot 100 any more: the whole cart moves to 105 at once.
    const view = await t.call('checkout.scan', { code: 'BEAR' });
    expect(view.pricing?.snapshotSeq).toBe(105);
    expect(view.lines.map((l) => [l.sku, l.total])).toEqual([
      ['MUG', '20.00'],
      ['BEAR', '15.00'],
    ]);
    expect(view.notice?.message).toBe('Prices were updated from the store server: 1 line changed.');
    expect(view.notice?.changes).toEqual([
      {
        lineId: again.lines[0]?.id,
        name: 'Stoneware Mug',
        from: '24.00',
        to: '20.00',
        reasons: ['Price changed from $12.00 to $10.00'],
      },
    ]);
  });

  it('switches a flash price on its millisecond by itself, counts down to its end, and tells the cashier', async () => {
    const rules = [flash('flash-bear', 'BEAR', '19.99', T0 - 30 * MINUTE, T0 + 5 * MINUTE)];
    t = await startTestTerminal({ seed: { rules } });
    const events: TerminalEvent[] = [];
    t.terminal.events.subscribe((e) => events.push(e));
    t.clock.set(T0 + 4 * MINUTE);
    const view = await t.call('checkout.scan', { code: 'BEAR' });
    expect(view.lines[0]?.total).toBe('19.99');
    expect(view.countdown).toEqual({
      at: T0 + 5 * MINUTE,
      label: 'Flash BEAR ends',
      lineIds: [view.lines[0]?.id],
      ruleIds: ['flash-bear'],
    });
    t.clock.advance(MINUTE - 1);
    expect(events.filter((e) => e.type === 'checkout')).toEqual([]);
    t.clock.advance(1);
    const switched = events.filter((e) => e.type === 'checkout');
    expect(switched).toHaveLength(1);
    const after = switched[0]?.type === 'checkout' ? switched[0].checkout : undefined;
    expect(after?.lines[0]?.total).toBe('30.00');
    expect(after?.countdown).toBeNull();
    expect(after?.notice?.changes[0]?.reasons).toEqual(['Flash BEAR no longer applies']);
  });
});

describe('checkouts stored with their cache', () => {
  it('resumes the same checkout at the same prices after a restart, even though the replica moved on', async () => {
    const folder = tempDir();
    try {
      const rules = [flash('flash-lamp', 'LAMP', '59.00', T0 - MINUTE, T0 + 8 * MINUTE)];
      t = await startTestTerminal({ seed: { rules }, file: folder.file('terminal.db') });
      await t.call('checkout.scan', { code: 'LAMP' });
      const before = await t.call('checkout.scan', { code: 'MUG', qty: 2 });
      t.terminal.syncStore.applyChanges({
        to: 120,
        changes: [{ seq: 120, type: 'rule.removed', payload: { id: 'flash-lamp' } }],
      });
      const clock = t.clock;
      await t.terminal.close();

      clock.advance(2 * MINUTE);
      t = await startTestTerminal({ file: folder.file('terminal.db'), clock });
      const after = await t.call('checkout.current', {});
      expect(after.cartId).toBe(before.cartId);
      expect(after.lines).toEqual(before.lines.map((l) => ({ ...l })));
      expect(after.total).toBe(before.total);
      expect(after.pricing).toEqual(before.pricing);
      expect(after.notice).toBeNull();
    } finally {
      await t.terminal.close();
      folder.remove();
    }
  });

  it('keeps a parked checkout’s cache; resumed after its window, it is re-priced and the cashier is told', async () => {
    const rules = [flash('flash-ball', 'BALL', '15.00', T0 - MINUTE, T0 + 15 * MINUTE)];
    t = await startTestTerminal({ seed: { rules } });
    const first = await t.call('checkout.scan', { code: 'BALL' });
    const [parked] = await t.call('checkout.park', { label: null });
    expect(cachedRules(t, first.cartId ?? '')).toEqual(['flash-ball']);
    t.clock.advance(20 * MINUTE);
    const resumed = await t.call('checkout.resume', { cartId: parked?.cartId ?? '' });
    expect(resumed.lines[0]?.total).toBe('25.00');
    expect(resumed.notice?.message).toBe('The parked sale was resumed: 1 line changed.');
    expect(resumed.notice?.changes[0]?.reasons).toEqual(['Flash BALL no longer applies']);
  });
});
