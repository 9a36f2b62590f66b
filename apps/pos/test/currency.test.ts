import Decimal from 'decimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE, startTestTerminal, T0, type TestTerminal } from './support/terminal';

let t: TestTerminal;
afterEach(async () => {
  await t?.terminal.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

/** The demo store's rates, as the server's `exchange_rates` section sends them (per USD). */
const RATES = [
  { currency: 'EUR', rate: '0.92', base: 'USD', snapshotId: 'demo-usd', asOf: iso(T0 - 60 * MINUTE) },
  { currency: 'JPY', rate: '154', base: 'USD', snapshotId: 'demo-usd', asOf: iso(T0 - 60 * MINUTE) },
];

/** A `rates.updated` change as the server writes it for a USD store. */
function ratesUpdated(
  seq: number,
  snapshot: { id: string; base: string; asOf: number; rates: Record<string, string> },
) {
  const storeRates =
    snapshot.base === 'USD'
      ? snapshot.rates
      : snapshot.rates.USD
        ? Object.fromEntries(
            Object.entries({ ...snapshot.rates, [snapshot.base]: '1' })
              .filter(([c]) => c !== 'USD')
              .map(([c, r]) => [c, new Decimal(r).div(snapshot.rates.USD as string).toFixed()]),
          )
        : null;
  return {
    seq,
    type: 'rates.updated',
    payload: {
      snapshot: { ...snapshot, asOf: iso(snapshot.asOf), receivedAt: iso(snapshot.asOf), source: 'manual' },
      storeCurrency: 'USD',
      storeRates,
    },
  };
}

describe('pricing a sale in another currency', () => {
  it('lists the store currency first, then every currency with a rate', async () => {
    t = await startTestTerminal({ seed: { rates: RATES } });
    expect(await t.call('checkout.currencies', {})).toEqual({
      storeCurrency: 'USD',
      current: 'USD',
      options: [
        { currency: 'USD', rate: null, snapshotId: null, asOf: null },
        { currency: 'EUR', rate: '0.92', snapshotId: 'demo-usd', asOf: T0 - 60 * MINUTE },
        { currency: 'JPY', rate: '154', snapshotId: 'demo-usd', asOf: T0 - 60 * MINUTE },
      ],
    });
  });

  it('prices every line in the new currency, names the rate, and records the rates snapshot with the sale', async () => {
    t = await startTestTerminal({ seed: { rates: RATES } });
    const usd = await t.call('checkout.scan', { code: 'MUG' });
    expect(usd.lines[0]?.total).toBe('12.00');
    expect(usd.exchange).toBeNull();

    const eur = await t.call('checkout.setCurrency', { currency: 'eur' });
    expect(eur.currency).toBe('EUR');
    expect(eur.lines[0]?.total).toBe('11.04');
    expect(eur.exchange).toEqual({ base: 'USD', currency: 'EUR', rate: '0.92', snapshotId: 'demo-usd' });
    // Totals in two currencies do not compare line by line: the notice says what happened instead.
    expect(eur.notice).toEqual({
      kind: 'info',
      message: 'The sale is now in EUR at 1 USD = 0.92 EUR: every line was priced again.',
      changes: [],
    });
    expect((await t.call('checkout.currencies', {})).current).toBe('EUR');

    const yen = await t.call('checkout.setCurrency', { currency: 'JPY' });
    expect(yen.lines[0]?.total).toBe('1848');

    const paid = await t.call('checkout.tender', { method: 'card' });
    const receipt = paid.done?.receipt;
    expect(receipt?.data.exchange).toEqual({ base: 'USD', currency: 'JPY', rate: '154', snapshotId: 'demo-usd' });
    expect(receipt?.html).toContain('1 USD = 154 JPY (rates demo-usd)');
    const [sale] = t.terminal.outbox.pending({ limit: 10 });
    expect(sale?.item.payload).toMatchObject({
      currency: 'JPY',
      ratesSnapshotId: 'demo-usd',
      total: receipt?.data.total,
    });
    // The next sale starts in the store's currency again.
    expect(paid.checkout.currency).toBe('USD');
  });

  it('can be chosen before the first scan', async () => {
    t = await startTestTerminal({ seed: { rates: RATES } });
    const empty = await t.call('checkout.setCurrency', { currency: 'EUR' });
    expect(empty).toMatchObject({ currency: 'EUR', lines: [] });
    const scanned = await t.call('checkout.scan', { code: 'LAMP' });
    expect(scanned.lines[0]?.total).toBe('73.60');
  });

  it('refuses a currency without a rate, in words, and leaves the sale as it was', async () => {
    t = await startTestTerminal({ seed: { rates: RATES } });
    await t.call('checkout.scan', { code: 'MUG' });
    const error = await t.fail('checkout.setCurrency', { currency: 'GBP' });
    expect(error.code).toBe('CURRENCY_UNAVAILABLE');
    expect(error.message).toBe(
      'There is no exchange rate for GBP on this terminal, so the sale cannot be priced in it. It can be priced in USD (the store’s currency) or EUR, JPY.',
    );
    expect((await t.call('checkout.current', {})).currency).toBe('USD');

    const bare = await startTestTerminal({ seed: {} });
    try {
      const none = await bare.fail('checkout.setCurrency', { currency: 'EUR' });
      expect(none.message).toContain('It can be priced in USD only: no exchange rates have reached this terminal.');
    } finally {
      await bare.terminal.close();
    }
  });

  it('keeps the rate a sale was priced with until its cache is built again, then takes the newest', async () => {
    t = await startTestTerminal({ seed: { rates: RATES } });
    await t.call('checkout.setCurrency', { currency: 'EUR' });
    await t.call('checkout.scan', { code: 'MUG' });

    // The ECB publishes per EUR: 1 EUR = 1.25 USD, so 1 USD = 0.8 EUR.
    t.terminal.syncStore.applyChanges({
      changes: [ratesUpdated(101, { id: 'ecb-1', base: 'EUR', asOf: T0, rates: { USD: '1.25', GBP: '0.85' } })],
      to: 101,
    });
    expect(t.terminal.catalog.exchangeRate('EUR')).toMatchObject({ rate: '0.8', snapshotId: 'ecb-1' });
    expect(t.terminal.catalog.exchangeRate('GBP')).toMatchObject({ rate: '0.68', snapshotId: 'ecb-1' });
    // JPY is not in the new snapshot: its rate still comes from the older one, as on the server.
    expect(t.terminal.catalog.exchangeRate('JPY')).toMatchObject({ rate: '154', snapshotId: 'demo-usd' });

    // One snapshot per checkout: the sale on screen keeps its rate...
    const same = await t.call('checkout.current', {});
    expect(same.lines[0]?.total).toBe('11.04');
    expect(same.exchange?.snapshotId).toBe('demo-usd');
    // ...until a new fact about the customer (here: the currency) builds its cache again.
    const back = await t.call('checkout.setCurrency', { currency: 'USD' });
    expect(back.notice?.message).toBe('The sale is now in USD, the store’s currency: every line was priced again.');
    const rebuilt = await t.call('checkout.setCurrency', { currency: 'EUR' });
    expect(rebuilt.lines[0]?.total).toBe('9.60');
    expect(rebuilt.exchange).toEqual({ base: 'USD', currency: 'EUR', rate: '0.8', snapshotId: 'ecb-1' });
  });

  it('keeps the newest rate whatever order snapshots arrive in, and skips one that cannot convert dollars', async () => {
    t = await startTestTerminal({ seed: { rates: RATES } });
    t.terminal.syncStore.applyChanges({
      changes: [
        // Published later but valid from an earlier moment: the demo rate stays the newest.
        ratesUpdated(101, { id: 'backdated', base: 'USD', asOf: T0 - 120 * MINUTE, rates: { EUR: '0.5' } }),
        // Rates per CHF without dollars: nothing to price a USD store with.
        ratesUpdated(102, { id: 'chf-only', base: 'CHF', asOf: T0, rates: { EUR: '1.05' } }),
      ],
      to: 102,
    });
    expect(t.terminal.catalog.exchangeRate('EUR')).toMatchObject({ rate: '0.92', snapshotId: 'demo-usd' });
    expect(t.terminal.catalog.exchangeRate('CHF')).toBeUndefined();
  });
});
