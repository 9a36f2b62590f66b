import type { OutboxItem, ReconciliationResult } from '@till/sync';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support';
import { connectClient, demoSkus, type Enrolled, enrollTerminal, eventually, FAST_SYNC_ENV, saleItem } from './support';

describe('sync with pricing: snapshots carry the rules, uploads are priced again', () => {
  let server: TestServer;
  let terminal: Enrolled;

  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: FAST_SYNC_ENV });
    terminal = await enrollTerminal(server, 'Pricing till');
  });
  afterAll(() => server.stop());

  const basePrice = async (sku: string) =>
    (await server.db.pool.query<{ p: string }>('SELECT base_price::text AS p FROM products WHERE sku = $1', [sku]))
      .rows[0]?.p as string;

  it('gives a new terminal the pricing version, rules, campaigns and price lists in its snapshot', async () => {
    const t = connectClient(server.url, { token: terminal.token, terminalId: terminal.terminalId });
    try {
      await eventually('the snapshot', () => t.store.snapshotsCommitted.length === 1);
      expect(t.store.snapshotsCommitted[0]?.sections).toEqual([
        'store',
        'pricing_version',
        'products',
        'stock_levels',
        'campaigns',
        'rules',
        'price_lists',
        'price_list_prices',
        'customers',
        'exchange_rates',
      ]);
      const [version] = t.store.sections.get('pricing_version') ?? [];
      expect(version).toMatchObject({ storeId: 'demo', rulesSnapshotId: expect.stringMatching(/^demo@\d+$/) });
      const { rows } = await server.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pricing_rules WHERE store_id = 'demo'`,
      );
      expect(t.store.sections.get('rules') ?? []).toHaveLength(rows[0]?.n as number);
    } finally {
      await t.stop();
    }
  });

  it('records the difference when a sale was priced with an older rules snapshot; the terminal price stands', async () => {
    const t = connectClient(server.url, { token: terminal.token, terminalId: terminal.terminalId });
    try {
      await eventually('the snapshot', () => t.store.snapshotsCommitted.length >= 1);
      const [version] = (t.store.sections.get('pricing_version') ?? []) as Array<{ rulesSnapshotId: string }>;
      const old = version?.rulesSnapshotId as string;
      const [sku] = (await demoSkus(server.db.pool, 1)) as [string];
      const oldPrice = await basePrice(sku);

      // Priced with the snapshot the server still has: nothing to compare.
      const current = saleItem(terminal.terminalId, [{ sku, qty: 2, price: oldPrice }]);
      (current.payload as { rulesSnapshotId: string | null }).rulesSnapshotId = old;
      t.store.add('current', current);
      t.client.kickOutbox();
      await eventually('accepted', () => t.store.results.get('current')?.status === 'accepted');

      // The manager raises the price; a terminal that has not heard of it sells at the old one.
      const newPrice = new Decimal(oldPrice).plus('1.25').toFixed(2);
      const changed = await server.request(`/v1/products/${sku}/price`, {
        role: 'manager',
        method: 'PUT',
        body: JSON.stringify({ price: newPrice }),
      });
      expect(changed.status).toBe(200);
      const stale: OutboxItem = saleItem(terminal.terminalId, [{ sku, qty: 2, price: oldPrice }]);
      (stale.payload as { rulesSnapshotId: string | null }).rulesSnapshotId = old;
      t.store.add('stale', stale);
      t.client.kickOutbox();
      const result = (await eventually('the stale sale', () => t.store.results.get('stale'))) as ReconciliationResult;
      expect(result).toMatchObject({
        status: 'price_discrepancy',
        price: { terminalSnapshotId: old, serverSnapshotId: expect.not.stringMatching(`^${old}$`), currency: 'USD' },
      });
      const price = result.price as NonNullable<typeof result.price>;
      expect(new Decimal(price.difference).equals(new Decimal(price.serverTotal).minus(price.terminalTotal))).toBe(
        true,
      );
      expect(new Decimal(price.difference).greaterThan(2.4)).toBe(true); // 2 × 1.25, plus tax
      const stored = await server.db.pool.query(
        'SELECT total::text, server_total::text, price_difference::text FROM pos_sales WHERE id = $1',
        [stale.id],
      );
      expect(new Decimal(stored.rows[0].total).equals((stale.payload as { total: string }).total)).toBe(true);
      expect(new Decimal(stored.rows[0].price_difference).equals(price.difference)).toBe(true);
    } finally {
      await t.stop();
    }
  });

  it('keeps a sale made in another currency with a coupon, and prices it again in that currency with that coupon', async () => {
    const t = connectClient(server.url, { token: terminal.token, terminalId: terminal.terminalId });
    try {
      await eventually('the snapshot', () => t.store.snapshotsCommitted.length >= 1);
      const skus = await demoSkus(server.db.pool, 2);
      const at = Date.now();
      // What the till charged: the server's own price of the cart in euros with SAVE10.
      const priced = await server.request('/v1/carts/price', {
        role: 'terminal',
        method: 'POST',
        body: JSON.stringify({
          lines: skus.map((sku) => ({ sku, qty: 3 })),
          currency: 'EUR',
          coupons: ['SAVE10'],
          at: new Date(at).toISOString(),
          channel: 'pos',
        }),
      });
      expect(priced.status).toBe(200);
      const cart = (await priced.json()) as {
        currency: string;
        ratesSnapshot: { id: string };
        taxIncluded: boolean;
        lines: Array<{ sku: string; qty: number; unitPrice: string; total: string }>;
        totals: { tax: string; total: string };
        explanations: { applied: Array<{ ruleId: string }> };
      };
      expect(cart.currency).toBe('EUR');
      expect(cart.explanations.applied.some((a) => a.ruleId.includes('save10'))).toBe(true);
      const sale = (coupons?: string[]): OutboxItem =>
        ({
          ...saleItem(terminal.terminalId, [{ sku: skus[0] as string, qty: 1, price: '1.00' }]),
          payload: {
            soldAt: at,
            currency: 'EUR',
            lines: cart.lines.map((l) => ({ sku: l.sku, qty: l.qty, unitPrice: l.unitPrice, total: l.total })),
            subtotal: cart.lines.reduce((sum, l) => sum.plus(l.total), new Decimal(0)).toFixed(2),
            tax: cart.totals.tax,
            total: cart.totals.total,
            taxIncluded: cart.taxIncluded,
            // An older snapshot than the server's, so the server prices the sale again.
            rulesSnapshotId: 'demo@0',
            ratesSnapshotId: cart.ratesSnapshot.id,
            ...(coupons ? { coupons } : {}),
            payments: [{ method: 'card', amount: cart.totals.total }],
          },
        }) as OutboxItem;

      const withCoupon = sale(['SAVE10']);
      const withoutCoupon = sale();
      t.store.add('eur-coupon', withCoupon);
      t.store.add('eur-no-coupon', withoutCoupon);
      t.client.kickOutbox();
      await eventually('both settled', () => t.store.pendingCount === 0);

      // Same rules, same coupon, same currency: the price is confirmed.
      expect(t.store.results.get('eur-coupon')).toMatchObject({ status: 'accepted' });
      // Without the coupon the server would charge more: recorded in euros; the sale stands.
      expect(t.store.results.get('eur-no-coupon')).toMatchObject({
        status: 'price_discrepancy',
        price: { currency: 'EUR', terminalTotal: cart.totals.total },
      });
      const stored = await server.db.pool.query<{ currency: string; total: string }>(
        'SELECT currency, total::text FROM pos_sales WHERE id = ANY($1::uuid[]) ORDER BY id',
        [[withCoupon.id, withoutCoupon.id]],
      );
      expect(stored.rows).toHaveLength(2);
      expect(stored.rows.every((r) => r.currency === 'EUR' && new Decimal(r.total).equals(cart.totals.total))).toBe(
        true,
      );
    } finally {
      await t.stop();
    }
  });
});
