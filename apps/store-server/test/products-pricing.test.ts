import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TillClient } from '../src/client';
import { startTestServer, type TestServer } from './support';
import { clientsFor, eventsSince, failureOf, lastSeq } from './support/pricing';

describe('products with prices and availability', () => {
  let server: TestServer;
  let api: ReturnType<typeof clientsFor>;
  let storefront: TillClient;
  let manager: TillClient;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    api = clientsFor(server);
    ({ storefront, manager } = api);
  });
  afterAll(() => server.stop());

  it('shows the price for the shopper: their segments, their currency, and what is available', async () => {
    const plain = await storefront.products.list({ query: { category: 'home', limit: 5 } });
    const gold = await storefront.products.list({ query: { category: 'home', limit: 5, customerId: 'demo-ada' } });
    expect(plain.currency).toBe('USD');
    expect(plain.rulesSnapshot).toEqual(gold.rulesSnapshot);
    for (const [i, product] of plain.items.entries()) {
      const forGold = gold.items[i];
      expect(product.price).toEqual(product.basePrice);
      expect(product.discounts).toEqual([]);
      const expected = new Decimal(product.basePrice.amount).times('0.85').toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
      expect(forGold?.price.amount).toBe(expected.toFixed(2));
      expect(forGold?.discounts.map((d) => d.ruleId)).toEqual(['demo-gold-home-15']);
    }

    const { rows } = await server.db.pool.query<{ sku: string; available: string }>(
      `SELECT sku, (received - sold - held)::text AS available FROM stock_levels
       WHERE store_id = 'demo' AND sku = ANY($1) ORDER BY sku`,
      [plain.items.map((p) => p.sku)],
    );
    expect(plain.items.map((p) => [p.sku, p.available])).toEqual(rows.map((r) => [r.sku, Number(r.available)]));

    const eur = await storefront.products.get({
      params: { sku: plain.items[0]?.sku as string },
      query: { currency: 'EUR' },
    });
    expect(eur).toMatchObject({ currency: 'EUR', currencySource: 'parameter', ratesSnapshot: { rate: '0.92' } });
    expect(eur.price.currency).toBe('EUR');
    const usd = new Decimal(plain.items[0]?.basePrice.amount as string);
    expect(eur.basePrice.amount).toBe(usd.times('0.92').toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2));
  });

  it('refuses an unknown customer or currency in the query, naming it', async () => {
    const customer = await failureOf(storefront.products.list({ query: { customerId: 'nobody', limit: 1 } }));
    expect(customer.details.fields).toEqual([{ field: 'querystring.customerId', problem: 'no such customer' }]);
    const currency = await failureOf(storefront.products.list({ query: { currency: 'XYZ', limit: 1 } }));
    expect(currency).toMatchObject({ status: 400, code: 'UNKNOWN_CURRENCY' });
  });

  it('applies a price list only on its channel, and a base price change everywhere, each with its event', async () => {
    const sku = (await storefront.products.list({ query: { category: 'fashion', limit: 1 } })).items[0]?.sku as string;
    await manager.priceLists.put({
      params: { id: 'web-only' },
      body: { name: 'Web prices', channel: 'online', prices: [{ sku, price: '5.55' }] },
    });
    const online = await storefront.products.get({ params: { sku } });
    const pos = await api.terminal.products.get({ params: { sku } });
    expect(online.listPrice.amount).toBe('5.55');
    expect(online.price.amount).toBe('5.55');
    expect(pos.listPrice).toEqual(pos.basePrice);

    const since = await lastSeq(server.db.pool);
    const changed = await manager.products.setBasePrice({ params: { sku }, body: { price: '42.5' } });
    expect(changed).toMatchObject({ sku, price: { amount: '42.50', currency: 'USD' }, changed: true });
    expect(changed.pricingVersion).toBe(online.rulesSnapshot.version + 1);
    const again = await manager.products.setBasePrice({ params: { sku }, body: { price: '42.50' } });
    expect(again).toMatchObject({ changed: false, pricingVersion: changed.pricingVersion });
    expect((await eventsSince(server.db.pool, since)).map((e) => [e.type, e.payload])).toEqual([
      [
        'price.changed',
        {
          sku,
          price: '42.50',
          currency: 'USD',
          priceListId: null,
          channel: 'all',
          pricingVersion: changed.pricingVersion,
        },
      ],
    ]);
    expect((await api.terminal.products.get({ params: { sku } })).price.amount).toBe('42.50');
    expect((await storefront.products.get({ params: { sku } })).price.amount).toBe('5.55'); // the web list still wins online

    const wrongCurrency = await failureOf(
      manager.products.setBasePrice({ params: { sku }, body: { price: '1.00', currency: 'EUR' } }),
    );
    expect(wrongCurrency.details.fields).toEqual([
      { field: 'body.currency', problem: 'must be USD, the currency of the product' },
    ]);
    expect(
      await failureOf(storefront.products.setBasePrice({ params: { sku }, body: { price: '1.00' } })),
    ).toMatchObject({
      status: 403,
    });
  });

  it('documents every route of pricing in the OpenAPI document', async () => {
    const doc = (await (await server.request('/docs/openapi.json')).json()) as {
      paths: Record<string, Record<string, { summary?: string; tags?: string[] }>>;
    };
    const routes = [
      ['post', '/v1/carts/price'],
      ['get', '/v1/products'],
      ['put', '/v1/products/{sku}/price'],
      ['put', '/v1/rules/{id}'],
      ['post', '/v1/rules/batch'],
      ['put', '/v1/campaigns/{id}'],
      ['post', '/v1/campaigns/{id}/end'],
      ['put', '/v1/price-lists/{id}/prices/{sku}'],
      ['put', '/v1/customers/{id}'],
      ['get', '/v1/customers/lookup'],
      ['put', '/v1/exchange-rates/{id}'],
      ['post', '/v1/exchange-rates/refresh'],
    ] as const;
    for (const [method, path] of routes) {
      expect(doc.paths[path]?.[method]?.summary, `${method} ${path}`).toBeTruthy();
    }
  });
});
