import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeedChange } from '../src/core/replica-changes';
import { PRODUCTS, startTestTerminal, type TestTerminal } from './support/terminal';

let t: TestTerminal;
afterEach(async () => {
  await t?.terminal.close();
});

const priceChange = (seq: number, sku: string, amount: string): FeedChange => ({
  seq,
  type: 'price.changed',
  payload: { sku, price: { amount, currency: 'USD' } },
});

const price = (t: TestTerminal, sku: string) => t.terminal.catalog.product(sku)?.price;

describe('the replica’s change feed', () => {
  it('has no cursor until a snapshot is loaded, then continues from it', async () => {
    t = await startTestTerminal();
    expect(t.terminal.syncStore.cursor()).toBeNull();
    await t.terminal.close();
    t = await startTestTerminal({ seed: { asOf: 40 } });
    expect(t.terminal.syncStore.cursor()).toBe(40);
    expect(t.terminal.catalog.counts()).toMatchObject({ products: PRODUCTS.length, customers: 2 });
  });

  it('applies a batch with its cursor; replaying it or an older batch changes nothing', async () => {
    t = await startTestTerminal({ seed: { asOf: 40 } });
    const store = t.terminal.syncStore;
    store.applyChanges({ to: 45, changes: [priceChange(41, 'MUG', '11.00'), priceChange(44, 'MUG', '10.50')] });
    expect([store.cursor(), price(t, 'MUG')]).toEqual([45, '10.50']);
    store.applyChanges({ to: 45, changes: [priceChange(41, 'MUG', '11.00')] });
    store.applyChanges({ to: 42, changes: [priceChange(42, 'MUG', '99.00')] });
    expect([store.cursor(), price(t, 'MUG')]).toEqual([45, '10.50']);
  });

  it('skips a change it cannot read, names it, and applies the rest of the batch', async () => {
    t = await startTestTerminal({ seed: { asOf: 40 } });
    const problems: unknown[] = [];
    t.terminal.syncStore.onApplied((r) => problems.push(...r.problems));
    t.terminal.syncStore.applyChanges({
      to: 50,
      changes: [
        priceChange(41, 'MUG', '11.00'),
        { seq: 42, type: 'rule.upserted', payload: { id: 'bad', kind: 'discount', percentOff: '250' } },
        { seq: 43, type: 'product.upserted', payload: { sku: 'X' } },
        { seq: 44, type: 'something.new', payload: { anything: true } },
        priceChange(45, 'LAMP', '75.00'),
      ],
    });
    expect([price(t, 'MUG'), price(t, 'LAMP'), t.terminal.syncStore.cursor()]).toEqual(['11.00', '75.00', 50]);
    expect(problems).toEqual([
      expect.objectContaining({ seq: 42, message: expect.stringContaining('percentOff') }),
      expect.objectContaining({ seq: 43, type: 'product.upserted' }),
    ]);
    expect(t.terminal.catalog.counts().rules).toBe(0);
  });

  it('rolls a batch back whole, cursor included, when the database fails under it', async () => {
    t = await startTestTerminal({ seed: { asOf: 40 } });
    // A failure of the database (not of a payload) in the middle of a batch aborts all of it.
    t.db.exec(`CREATE TRIGGER fail_lamp BEFORE UPDATE ON products WHEN new.sku = 'LAMP'
               BEGIN SELECT RAISE(ABORT, 'disk said no'); END;`);
    expect(() =>
      t.terminal.syncStore.applyChanges({
        to: 47,
        changes: [priceChange(46, 'MUG', '1.00'), priceChange(47, 'LAMP', '1.00')],
      }),
    ).toThrow('disk said no');
    expect([price(t, 'MUG'), price(t, 'LAMP'), t.terminal.syncStore.cursor()]).toEqual(['12.00', '80.00', 40]);
    t.db.exec('DROP TRIGGER fail_lamp');
    t.terminal.syncStore.applyChanges({
      to: 47,
      changes: [priceChange(46, 'MUG', '1.00'), priceChange(47, 'LAMP', '1.00')],
    });
    expect([price(t, 'MUG'), price(t, 'LAMP'), t.terminal.syncStore.cursor()]).toEqual(['1.00', '1.00', 47]);
  });

  it('ends in the same state whatever the batches’ duplication and order (property)', async () => {
    t = await startTestTerminal({ seed: { asOf: 0 } });
    await t.terminal.close();
    const skus = ['MUG', 'LAMP', 'BEAR'];
    const changeArb = fc.record({ sku: fc.constantFrom(...skus), cents: fc.integer({ min: 100, max: 99_999 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(changeArb, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        async (changes, size, shuffleSeed) => {
          const feed = changes.map((c, i) => priceChange(i + 1, c.sku, (c.cents / 100).toFixed(2)));
          const batches: { to: number; changes: FeedChange[] }[] = [];
          for (let i = 0; i < feed.length; i += size)
            batches.push({ to: Math.min(feed.length, i + size), changes: feed.slice(i, i + size) });
          // Deliver in order, with every batch sent twice and some old ones again at the end, out of order.
          const deliveries = [
            ...batches.flatMap((b) => [b, b]),
            ...batches.filter((_, i) => (i + shuffleSeed) % 2 === 0).reverse(),
          ];
          const run = await startTestTerminal({ seed: { asOf: 0 } });
          try {
            for (const batch of deliveries) run.terminal.syncStore.applyChanges(batch);
            const expected = new Map<string, string>();
            for (const change of feed) {
              const p = change.payload as { sku: string; price: { amount: string } };
              expected.set(p.sku, p.price.amount);
            }
            for (const [sku, amount] of expected) expect(price(run, sku)).toBe(amount);
            expect(run.terminal.syncStore.cursor()).toBe(feed.length);
          } finally {
            await run.terminal.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the server’s pricing events', () => {
  it('keeps price lists, campaigns and the pricing version, and names the rules snapshot a sale used', async () => {
    t = await startTestTerminal({ seed: {} });
    const store = t.terminal.syncStore;
    const list = {
      id: 'price-list:staff',
      kind: 'priceList',
      name: 'Staff prices',
      prices: [{ sku: 'MUG', price: '9.00' }],
    };
    store.applyChanges({
      to: 110,
      changes: [
        {
          seq: 101,
          type: 'price_list.upserted',
          payload: {
            priceList: { id: 'staff', name: 'Staff prices', priority: 0, channel: 'all' },
            rule: list,
            pricingVersion: 7,
          },
        },
        {
          seq: 102,
          type: 'price.changed',
          payload: {
            sku: 'LAMP',
            price: '70.00',
            currency: 'USD',
            priceListId: 'staff',
            ruleId: 'price-list:staff',
            pricingVersion: 8,
          },
        },
        {
          seq: 103,
          type: 'price.changed',
          payload: { sku: 'BALL', price: '22.00', currency: 'USD', priceListId: null, pricingVersion: 9 },
        },
        {
          seq: 104,
          type: 'rule.upserted',
          payload: { rule: { id: 'c1', kind: 'discount', percentOff: '1' }, pricingVersion: 10 },
        },
        { seq: 105, type: 'campaign.deleted', payload: { id: 'camp', ruleIds: ['c1'], pricingVersion: 11 } },
        { seq: 106, type: 'stock.adjusted', payload: { sku: 'BALL', after: { available: 0 } } },
      ],
    });
    expect(store.seqs()).toEqual({ appliedSeq: 110, pricingSeq: 105, pricingVersion: 11 });
    expect(t.terminal.catalog.counts().rules).toBe(1);
    expect(t.terminal.catalog.available('BALL')).toBe(0);
    await t.call('checkout.scan', { code: 'LAMP' });
    await t.call('checkout.scan', { code: 'BALL' });
    const view = await t.call('checkout.current', {});
    expect(view.lines.map((l) => [l.sku, l.total])).toEqual([
      ['LAMP', '70.00'],
      ['BALL', '22.00'],
    ]);
    const sale = await t.call('checkout.tender', { method: 'card' });
    const [item] = t.terminal.outbox.pending({ limit: 1 });
    expect(item?.id).toBe(sale.done?.receipt.data.saleId);
    expect(item?.item.payload.rulesSnapshotId).toBe('demo@11');
  });
});

describe('snapshots', () => {
  it('keeps serving the old replica while pages arrive, and swaps it whole at commit', async () => {
    t = await startTestTerminal({ seed: { asOf: 40 } });
    const store = t.terminal.syncStore;
    const info = { snapshotId: 's2', asOf: 900, sections: ['products', 'rules'] };
    store.beginSnapshot(info);
    store.applySnapshotPage({
      snapshotId: 's2',
      section: 'products',
      items: [
        {
          sku: 'MUG',
          barcode: '2000000000015',
          name: 'Mug v2',
          category: 'home',
          price: { amount: '14.00', currency: 'USD' },
          taxRate: '0.08875',
        },
      ],
    });
    expect([price(t, 'MUG'), t.terminal.catalog.product('LAMP')?.active]).toEqual(['12.00', true]);
    store.applySnapshotPage({
      snapshotId: 's2',
      section: 'rules',
      items: [{ id: 'r1', kind: 'discount', percentOff: '5' }],
    });
    store.commitSnapshot(info);
    expect(store.cursor()).toBe(900);
    expect(t.terminal.catalog.product('MUG')).toMatchObject({ name: 'Mug v2', price: '14.00' });
    expect(t.terminal.catalog.product('LAMP')).toBeUndefined();
    expect(t.terminal.catalog.counts()).toMatchObject({ products: 1, rules: 1 });
    // The store settings survive a snapshot without a store section.
    expect(t.terminal.settings.get('store')?.name).toBe('Demo Store');
  });
});

describe('a snapshot as the store server sends it', () => {
  it('builds price lists from their prices and names the pricing version', async () => {
    t = await startTestTerminal({ seed: {} });
    const store = t.terminal.syncStore;
    const info = {
      snapshotId: 's3',
      asOf: 500,
      sections: ['pricing_version', 'products', 'rules', 'price_lists', 'price_list_prices', 'customers'],
    };
    store.beginSnapshot(info);
    const page = (section: string, items: Record<string, unknown>[]) =>
      store.applySnapshotPage({ snapshotId: 's3', section, items });
    page('pricing_version', [{ storeId: 'demo', pricingVersion: 42, rulesSnapshotId: 'demo@42' }]);
    page('products', [
      {
        sku: 'MUG',
        barcode: '2000000000015',
        name: 'Mug',
        category: 'home',
        price: { amount: '12.00', currency: 'USD' },
        taxRate: '0',
      },
    ]);
    page('rules', [{ rule: { id: 'home5', kind: 'discount', appliesTo: { categories: ['home'] }, percentOff: '5' } }]);
    page('price_lists', [{ priceList: { id: 'pos', name: 'Till prices', priority: 1, channel: 'pos' } }]);
    page('price_list_prices', [
      { sku: 'MUG', price: '10.00', currency: 'USD', priceListId: 'pos', ruleId: 'price-list:pos', channel: 'pos' },
    ]);
    page('customers', [
      { customer: { id: 'c9', name: 'Ada', loyaltyCard: 'TILL-0001', phone: null, email: null, segments: ['gold'] } },
    ]);
    store.commitSnapshot(info);
    expect(store.seqs()).toEqual({ appliedSeq: 500, pricingSeq: 500, pricingVersion: 42 });
    const view = await t.call('checkout.scan', { code: 'MUG' });
    // The till's price list (channel pos) sets 10.00; 5 % off home goods on top.
    expect(view.lines[0]?.total).toBe('9.50');
    expect((await t.call('checkout.attachCustomer', { query: 'TILL-0001' })).customer?.name).toBe('Ada');
  });
});

describe('the outbox as the sync client sees it', () => {
  it('hands out unsettled items in order, leaves out those in flight, and records results once', async () => {
    t = await startTestTerminal({ seed: {} });
    const ids: string[] = [];
    for (const code of ['MUG', 'LAMP', 'BEAR']) {
      await t.call('checkout.scan', { code });
      ids.push((await t.call('checkout.tender', { method: 'card' })).done?.receipt.data.saleId ?? '');
    }
    ids.push((await t.call('drawer.open', { reason: 'float check' })).id);
    const store = t.terminal.syncStore;
    expect(store.pendingOutbox({ limit: 10, exclude: new Set() }).map((i) => i.id)).toEqual(ids);
    expect(store.pendingOutbox({ limit: 1, exclude: new Set([ids[0] ?? '']) }).map((i) => i.id)).toEqual([ids[1]]);
    store.settle([{ id: ids[1] ?? '', result: { status: 'price_discrepancy', index: 0, id: ids[1] ?? null } }]);
    store.settle([{ id: ids[1] ?? '', result: { status: 'accepted', index: 0, id: ids[1] ?? null } }]);
    expect(store.pendingOutbox({ limit: 10, exclude: new Set() }).map((i) => i.id)).toEqual([ids[0], ids[2], ids[3]]);
    expect(t.terminal.outbox.results().find((r) => r.id === ids[1])?.status).toBe('price_discrepancy');
    expect(t.terminal.status().pendingSales).toBe(2);
  });
});
