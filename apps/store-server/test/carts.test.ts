import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TillClient } from '../src/client';
import { startTestServer, type TestServer } from './support';
import { engineReference } from './support/engine-reference';
import { clientsFor, failureOf } from './support/pricing';

describe('POST /v1/carts/price', () => {
  let server: TestServer;
  let api: ReturnType<typeof clientsFor>;
  let storefront: TillClient;
  let manager: TillClient;
  const skus: Record<string, string[]> = {};

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    api = clientsFor(server);
    storefront = api.storefront;
    manager = api.manager;
    const { rows } = await server.db.pool.query<{ sku: string; category_id: string }>(
      `SELECT sku, category_id FROM products ORDER BY sku`,
    );
    for (const r of rows) {
      skus[r.category_id] = [...(skus[r.category_id] ?? []), r.sku];
    }
  });
  afterAll(() => server.stop());

  const first = (category: string, n = 0) => skus[category]?.[n] as string;

  it('prices with the demo rules and explains each discount', async () => {
    const at = '2026-11-24T15:00:00.000Z'; // a Tuesday: no Saturday deal, Black Friday not begun
    const body = {
      lines: [
        { sku: first('home'), qty: 1 },
        { sku: first('toys'), qty: 2 },
      ],
      customerId: 'demo-ada',
      at,
    };
    const cart = await storefront.carts.price({ body });
    expect(cart).toMatchObject({
      currency: 'USD',
      currencySource: 'store',
      ratesSnapshot: null,
      customer: { id: 'demo-ada', segments: ['gold'] },
      pricedAt: at,
    });
    expect(cart.rulesSnapshot.id).toBe(`demo@${cart.rulesSnapshot.version}`);
    const [home, toys] = cart.lines;
    expect(home?.discounts.map((d) => d.ruleId)).toContain('demo-gold-home-15');
    expect(toys?.discounts.map((d) => d.ruleId)).toContain('demo-toys-b1g1');
    expect(cart.explanations.applied.map((a) => a.ruleId)).toEqual(
      expect.arrayContaining(['demo-gold-home-15', 'demo-toys-b1g1']),
    );
    expect(cart.totals.total).toBe((await engineReference(manager, server.db.pool, body)).total);
  });

  it('applies a coupon entered in any case and says when a coupon is unknown', async () => {
    const at = '2026-11-24T15:00:00.000Z';
    const cart = await storefront.carts.price({
      body: { lines: [{ sku: first('fashion'), qty: 1 }], coupons: [' save10 ', 'NOPE'], at },
    });
    expect(cart.lines[0]?.discounts.map((d) => d.ruleId)).toEqual(['demo-coupon-save10']);
    const outcomes = Object.fromEntries(cart.explanations.coupons.map((c) => [c.code, c.status]));
    expect(outcomes).toEqual({ SAVE10: 'applied', NOPE: 'unknown' });
  });

  it('switches on the Black Friday campaign by its window alone, and says when the price changes', async () => {
    const sku = first('electronics');
    const before = await storefront.carts.price({
      body: { lines: [{ sku, qty: 1 }], at: '2026-11-27T04:59:59.999Z' },
    });
    const during = await storefront.carts.price({
      body: { lines: [{ sku, qty: 1 }], at: '2026-11-27T05:00:00.000Z' },
    });
    expect(before.lines[0]?.discounts).toEqual([]);
    expect(before.nextPriceChange).toBe('2026-11-27T05:00:00.000Z');
    expect(during.lines[0]?.discounts.map((d) => d.ruleId)).toEqual(['demo-black-friday-electronics-25']);
    expect(during.nextPriceChange).toBe('2026-11-28T05:00:00.000Z');
  });

  it('refuses bad carts naming the field, and changes nothing', async () => {
    const unknown = await failureOf(
      storefront.carts.price({
        body: {
          lines: [
            { sku: first('toys'), qty: 1 },
            { sku: 'NOPE-1', qty: 1 },
          ],
        },
      }),
    );
    expect(unknown).toMatchObject({ status: 400, code: 'UNKNOWN_SKU' });
    expect(unknown.details.fields).toEqual([{ field: 'body.lines.1.sku', problem: 'no such product' }]);

    const zero = await failureOf(storefront.carts.price({ body: { lines: [{ sku: first('toys'), qty: 0 }] } }));
    expect(zero).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(zero.details.fields).toEqual([{ field: 'body.lines.0.qty', problem: 'must be at least 1' }]);

    const absurd = await failureOf(
      storefront.carts.price({ body: { lines: [{ sku: first('toys'), qty: 10_000_000 }] } }),
    );
    expect(absurd.details.fields).toEqual([{ field: 'body.lines.0.qty', problem: 'must be at most 10000' }]);

    const noCustomer = await failureOf(
      storefront.carts.price({ body: { lines: [{ sku: first('toys'), qty: 1 }], customerId: 'nobody' } }),
    );
    expect(noCustomer).toMatchObject({ status: 400, code: 'UNKNOWN_CUSTOMER' });
    expect(noCustomer.details.fields).toEqual([{ field: 'body.customerId', problem: 'no such customer' }]);

    const empty = await failureOf(storefront.carts.price({ body: { lines: [] } }));
    expect(empty.details.fields).toEqual([{ field: 'body.lines', problem: 'must hold at least one line' }]);

    const malformed = await server.request('/v1/carts/price', { method: 'POST', body: '{"lines": [' });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe('MALFORMED_REQUEST');
  });

  it('equals the engine’s price of the same cart, for any cart, customer, coupons, currency and moment', async () => {
    const pool = [
      ...(skus.toys?.slice(0, 6) ?? []),
      ...(skus.home?.slice(0, 6) ?? []),
      ...(skus.electronics?.slice(0, 6) ?? []),
      ...(skus.sporting?.slice(0, 6) ?? []),
      ...(skus.fashion?.slice(0, 6) ?? []),
    ];
    const cartArb = fc.record({
      lines: fc.uniqueArray(fc.record({ sku: fc.constantFrom(...pool), qty: fc.integer({ min: 1, max: 5 }) }), {
        minLength: 1,
        maxLength: 6,
        selector: (l) => l.sku,
      }),
      customerId: fc.constantFrom(undefined, 'demo-ada', 'demo-grace', 'demo-alan', 'demo-katherine'),
      coupons: fc.constantFrom<string[]>([], ['SAVE10'], ['save10'], ['BOGUS']),
      currency: fc.constantFrom(undefined, 'USD', 'EUR', 'JPY', 'KWD'),
      // 20 Nov – 5 Dec 2026: Saturdays (sporting 09:00–12:00 New York) and the Black Friday window
      at: fc.integer({ min: Date.parse('2026-11-20T00:00:00Z'), max: Date.parse('2026-12-05T00:00:00Z') }),
    });
    await fc.assert(
      fc.asyncProperty(cartArb, async (c) => {
        const body = {
          lines: c.lines,
          coupons: c.coupons,
          at: new Date(c.at).toISOString(),
          ...(c.customerId ? { customerId: c.customerId } : {}),
          ...(c.currency ? { currency: c.currency } : {}),
        };
        const http = await storefront.carts.price({ body });
        const engine = await engineReference(manager, server.db.pool, body);
        expect(http.totals).toEqual({
          subtotal: engine.subtotal,
          discount: engine.discount,
          tax: engine.tax,
          shippingCharge: engine.shippingCharge,
          shippingDiscount: engine.shippingDiscount,
          shipping: engine.shipping,
          total: engine.total,
        });
        expect(http.lines.map((l) => [l.sku, l.total, l.tax, l.discounts.map((d) => [d.ruleId, d.amount])])).toEqual(
          engine.lines.map((l) => [l.sku, l.total, l.tax, l.discounts.map((d) => [d.ruleId, d.amount])]),
        );
        expect(http.currency).toBe(c.currency ?? 'USD');
        expect(http.ratesSnapshot?.id ?? null).toBe(http.currency === 'USD' ? null : 'demo-usd-2026-11-20');
        expect(http.nextPriceChange).toBe(
          engine.validUntil === null ? null : new Date(engine.validUntil).toISOString(),
        );
      }),
      { numRuns: 100 },
    );
  });
});
