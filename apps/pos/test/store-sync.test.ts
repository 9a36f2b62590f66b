import { startTestServer, type TestServer } from '@till/store-server/testing';
import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToStore } from '../src/core/link';
import { startTestTerminal, type TestTerminal } from './support/terminal';

/**
 * A terminal core synced with a real store server: what the server sends about exchange
 * rates and the store reaches the replica, at the first sync and live.
 */

const quiet = { info: () => {}, warn: () => {} };
const FAST_SYNC = { SYNC_HEARTBEAT_MS: '300', SYNC_COALESCE_MS: '50', SYNC_POLL_MS: '20' };

async function eventually<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let server: TestServer;
let t: TestTerminal;

beforeAll(async () => {
  server = await startTestServer({ demo: true, env: FAST_SYNC });
  t = await startTestTerminal({ cashier: null });
  const link = await connectToStore(t.terminal, {
    serverUrl: server.url,
    terminalToken: server.keys.terminal,
    log: quiet,
  });
  await t.terminal.connect(link);
  await eventually('the first sync', () => t.terminal.status().catalog.products > 2_000);
  await t.call('session.signIn', { cashier: 'Ana' });
}, 60_000);
afterAll(async () => {
  await t?.terminal.close();
  await server?.stop();
});

/** The rate and rates snapshot the server prices a cart in `currency` with. */
async function serverRate(currency: string): Promise<{ id: string; rate: string }> {
  const { rows } = await server.db.pool.query<{ sku: string }>('SELECT sku FROM products WHERE active LIMIT 1');
  const response = await server.request('/v1/carts/price', {
    method: 'POST',
    body: JSON.stringify({ lines: [{ sku: rows[0]?.sku, qty: 1 }], currency }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { ratesSnapshot: { id: string; rate: string } };
  return { id: body.ratesSnapshot.id, rate: body.ratesSnapshot.rate };
}

async function expectSameRatesAsServer(currencies: string[]) {
  for (const currency of currencies) {
    const mine = t.terminal.catalog.exchangeRate(currency);
    const theirs = await serverRate(currency);
    expect({ currency, id: mine?.snapshotId, rate: mine?.rate }).toEqual({ currency, ...theirs });
  }
}

describe('exchange rates', () => {
  it('come with the first sync, per the store currency, from the snapshot the server prices with', async () => {
    const options = await t.call('checkout.currencies', {});
    expect(options.options.map((o) => o.currency)).toEqual(['USD', 'AUD', 'CAD', 'CHF', 'EUR', 'GBP', 'JPY', 'KWD']);
    await expectSameRatesAsServer(['EUR', 'JPY', 'KWD']);
  });

  it('follow a new snapshot live, converted from its base, and a sale names the one it used', async () => {
    // A publication per EUR (as the ECB's), newer than the demo rates, without JPY.
    const put = await server.request('/v1/exchange-rates/ecb-like-1', {
      role: 'manager',
      method: 'PUT',
      body: JSON.stringify({ base: 'EUR', rates: { USD: '1.085', GBP: '0.85643', SEK: '11.2' } }),
    });
    expect(put.status).toBe(201);
    await eventually('the new rates', () => t.terminal.catalog.exchangeRate('EUR')?.snapshotId === 'ecb-like-1');
    expect(t.terminal.catalog.exchangeRate('EUR')?.rate).toBe(
      new Decimal(1).div('1.085').toSignificantDigits(15).toFixed(),
    );
    // JPY is not in it: the demo snapshot still prices yen, on the terminal as on the server.
    await expectSameRatesAsServer(['EUR', 'GBP', 'SEK', 'JPY']);

    await t.call('checkout.setCurrency', { currency: 'SEK' });
    const { rows } = await server.db.pool.query<{ barcode: string; base_price: string }>(
      `SELECT barcode, base_price::text FROM products WHERE active ORDER BY sku LIMIT 1`,
    );
    const view = await t.call('checkout.scan', { code: rows[0]?.barcode ?? '' });
    expect(view.exchange).toMatchObject({ base: 'USD', currency: 'SEK', snapshotId: 'ecb-like-1' });
    const paid = await t.call('checkout.tender', { method: 'card' });
    const saleId = paid.done?.receipt.data.saleId ?? '';
    const stored = t.db.get<{ item: string }>('SELECT item FROM outbox WHERE id = ?', [saleId]);
    expect(JSON.parse(stored?.item ?? '{}').payload).toMatchObject({ currency: 'SEK', ratesSnapshotId: 'ecb-like-1' });
    expect(paid.done?.receipt.data.exchange?.snapshotId).toBe('ecb-like-1');
  });
});

describe('the store', () => {
  it('comes with the first sync, stacking included', () => {
    expect(t.terminal.settings.get('store')).toEqual({
      id: 'demo',
      name: expect.any(String),
      currency: 'USD',
      timeZone: 'America/New_York',
      taxIncluded: false,
      stacking: 'withinPriority',
    });
  });

  it('follows a change on the server live: the screen shows the new name, new sales the new tax mode', async () => {
    const shown: string[] = [];
    const off = t.terminal.events.subscribe((event) => {
      if (event.type === 'status' && event.status.store) shown.push(event.status.store.name);
    });
    try {
      const changed = await server.request('/v1/stores/demo', {
        role: 'manager',
        method: 'PATCH',
        body: JSON.stringify({ name: 'Till Demo — Riverside', taxIncluded: true }),
      });
      expect(changed.status).toBe(200);
      await eventually('the new store settings', () => t.terminal.settings.get('store')?.taxIncluded === true);
      expect(t.terminal.settings.get('store')?.name).toBe('Till Demo — Riverside');
      await eventually('the new name on screen', () => shown.includes('Till Demo — Riverside'));
      expect((await t.call('checkout.current', {})).taxIncluded).toBe(true);
      // The change moved prices: the terminal names the server's new rules snapshot.
      const version = await server.db.pool.query<{ v: string }>(
        `SELECT version::text AS v FROM pricing_versions WHERE store_id = 'demo'`,
      );
      expect(t.terminal.syncStore.seqs().pricingVersion).toBe(Number(version.rows[0]?.v));
    } finally {
      off();
    }
  });
});

describe('customers', () => {
  const signUp = async (id: string, body: Record<string, unknown>) => {
    const put = await server.request(`/v1/customers/${id}`, {
      role: 'manager',
      method: 'PUT',
      body: JSON.stringify(body),
    });
    expect(put.status).toBe(201);
  };

  it('are asked of the server when the replica lacks one, by card or phone, and kept in the replica', async () => {
    await signUp('cust-fresh', {
      name: 'Fresh Freda',
      loyaltyCard: 'TILL-7777',
      phone: '+1 555 010 7777',
      segments: ['gold'],
    });
    // Signed up a moment ago: the feed has not brought her yet.
    await eventually('the feed', () => t.terminal.catalog.customer('cust-fresh'));
    t.terminal.catalog.removeCustomer('cust-fresh');

    const byCard = await t.call('checkout.attachCustomer', { query: 'TILL-7777' });
    expect(byCard.customer).toMatchObject({ id: 'cust-fresh', name: 'Fresh Freda', segments: ['gold'] });
    expect(t.terminal.catalog.findCustomer('TILL-7777')?.id).toBe('cust-fresh');
    await t.call('checkout.detachCustomer', {});

    t.terminal.catalog.removeCustomer('cust-fresh');
    const byPhone = await t.call('checkout.attachCustomer', { query: '+1 (555) 010-7777' });
    expect(byPhone.customer?.id).toBe('cust-fresh');
    await t.call('checkout.cancel', {});
  });

  it('says so in words when the server has no such customer either', async () => {
    const error = await t.fail('checkout.attachCustomer', { query: 'TILL-0000-NONE' });
    expect(error).toMatchObject({
      code: 'CUSTOMER_NOT_FOUND',
      message:
        'No customer has loyalty card or phone "TILL-0000-NONE" at this store (the store server has none either).',
    });
  });
});
