import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preferredCurrency } from '../src/pricing/currency';
import { openCountryLookup } from '../src/pricing/geoip';
import { startTestServer, type TestServer } from './support';

/** Addresses the bundled DB-IP Lite database places in these countries. */
const IP = { DE: '81.169.145.0', JP: '133.242.0.1', GB: '212.58.244.1', BR: '200.160.2.3', US: '8.8.8.8' };

describe('GeoIP country lookup (offline)', () => {
  it('finds the country of IPv4, IPv6 and IPv4-mapped addresses, and none for private ones', async () => {
    const geo = await openCountryLookup(undefined);
    expect(geo?.countryOf(IP.DE)).toBe('DE');
    expect(geo?.countryOf(`::ffff:${IP.JP}`)).toBe('JP');
    expect(geo?.countryOf('2a00:1450:4001::1')).toBe('DE');
    expect(geo?.countryOf('127.0.0.1')).toBeUndefined();
    expect(geo?.countryOf('10.1.2.3')).toBeUndefined();
    expect(geo?.countryOf('not an ip')).toBeUndefined();
    expect(await openCountryLookup('off')).toBeUndefined();
    await expect(openCountryLookup('/nonexistent.mmdb')).rejects.toThrow(/GEOIP_DATABASE: cannot open/);
  });

  it('prefers the asked currency, then the country’s, then the store’s', () => {
    const countryOf = (ip: string) => (ip === IP.DE ? 'DE' : undefined);
    expect(preferredCurrency({ requested: 'jpy', clientIp: IP.DE, countryOf })).toEqual({
      currency: 'JPY',
      source: 'parameter',
      country: null,
    });
    expect(preferredCurrency({ requested: undefined, clientIp: IP.DE, countryOf })).toEqual({
      currency: 'EUR',
      source: 'geoip',
      country: 'DE',
    });
    expect(preferredCurrency({ requested: undefined, clientIp: '127.0.0.1', countryOf })).toEqual({
      currency: undefined,
      source: 'store',
      country: null,
    });
    expect(() => preferredCurrency({ requested: 'XYZ', clientIp: undefined, countryOf })).toThrow(
      /XYZ is not an ISO 4217 currency code/,
    );
  });
});

describe('currency of a priced cart', () => {
  let server: TestServer;
  let sku: string;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    const { rows } = await server.db.pool.query<{ sku: string }>(
      `SELECT sku FROM products WHERE category_id = 'fashion' ORDER BY sku LIMIT 1`,
    );
    sku = rows[0]?.sku as string;
  });
  afterAll(() => server.stop());

  async function price(from: string | undefined, body: Record<string, unknown> = {}) {
    const res = await server.request('/v1/carts/price', {
      method: 'POST',
      headers: from ? { 'x-forwarded-for': from } : {},
      body: JSON.stringify({ lines: [{ sku, qty: 1 }], at: '2026-11-24T15:00:00.000Z', ...body }),
    });
    return { status: res.status, body: await res.json() };
  }

  it('uses the currency asked for, whatever the country', async () => {
    const { body } = await price(IP.DE, { currency: 'jpy' });
    expect(body).toMatchObject({ currency: 'JPY', currencySource: 'parameter', country: null });
    expect(body.ratesSnapshot).toEqual({
      id: 'demo-usd-2026-11-20',
      base: 'USD',
      asOf: '2026-11-20T00:00:00.000Z',
      source: 'manual',
      rate: '154',
    });
    expect(body.totals.total).toMatch(/^\d+$/); // JPY has no minor unit
  });

  it('otherwise uses the currency of the shopper’s country, from the request’s address', async () => {
    const de = await price(IP.DE);
    expect(de.body).toMatchObject({ currency: 'EUR', currencySource: 'geoip', country: 'DE' });
    expect(de.body.ratesSnapshot).toMatchObject({ id: 'demo-usd-2026-11-20', rate: '0.92' });
    const gb = await price(IP.GB);
    expect(gb.body).toMatchObject({ currency: 'GBP', currencySource: 'geoip', country: 'GB' });
    const us = await price(IP.US);
    expect(us.body).toMatchObject({ currency: 'USD', currencySource: 'geoip', country: 'US', ratesSnapshot: null });
  });

  it('otherwise uses the store’s currency — also when the country’s currency has no rate', async () => {
    const local = await price(undefined);
    expect(local.body).toMatchObject({ currency: 'USD', currencySource: 'store', country: null, ratesSnapshot: null });
    const brazil = await price(IP.BR);
    expect(brazil.body).toMatchObject({ currency: 'USD', currencySource: 'store', country: 'BR', ratesSnapshot: null });
  });

  it('refuses an unknown currency (400) and one without a rate (422), naming the field', async () => {
    const unknown = await price(undefined, { currency: 'XYZ' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({
      code: 'UNKNOWN_CURRENCY',
      fields: [{ field: 'body.currency', problem: 'must be an ISO 4217 currency code like "EUR"' }],
    });
    const noRate = await price(undefined, { currency: 'BRL' });
    expect(noRate.status).toBe(422);
    expect(noRate.body.error).toMatchObject({
      code: 'NO_EXCHANGE_RATE',
      message: expect.stringContaining('no exchange rate from USD to BRL'),
      fields: [{ field: 'body.currency', problem: 'has no exchange rate' }],
    });
  });

  it('names the newest rates snapshot, and switches to a newer one for the whole cart', async () => {
    const res = await server.request('/v1/exchange-rates/newer-eur', {
      role: 'manager',
      method: 'PUT',
      body: JSON.stringify({ base: 'USD', asOf: '2026-11-22T00:00:00.000Z', rates: { EUR: '0.5' } }),
    });
    expect(res.status).toBe(201);
    const { body } = await price(undefined, { currency: 'EUR' });
    expect(body.ratesSnapshot).toMatchObject({ id: 'newer-eur', rate: '0.5' });
    // JPY is not in the newer snapshot: the newest snapshot that has it still prices JPY.
    const jpy = await price(undefined, { currency: 'JPY' });
    expect(jpy.body.ratesSnapshot).toMatchObject({ id: 'demo-usd-2026-11-20' });
  });
});

describe('currency without GeoIP', () => {
  it('uses the store currency when GEOIP_DATABASE=off', async () => {
    const server = await startTestServer({ demo: true, env: { GEOIP_DATABASE: 'off' } });
    try {
      const { rows } = await server.db.pool.query<{ sku: string }>('SELECT sku FROM products LIMIT 1');
      const res = await server.request('/v1/carts/price', {
        method: 'POST',
        headers: { 'x-forwarded-for': IP.DE },
        body: JSON.stringify({ lines: [{ sku: rows[0]?.sku, qty: 1 }] }),
      });
      expect(await res.json()).toMatchObject({ currency: 'USD', currencySource: 'store', country: null });
    } finally {
      await server.stop();
    }
  });
});
