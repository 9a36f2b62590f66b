import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TillClient } from '../src/client';
import { parseEcbDailyXml } from '../src/pricing/ecb-feed';
import { startTestServer, type TestServer } from './support';
import { clientsFor, eventsSince, failureOf, lastSeq } from './support/pricing';

const GOOD = fs.readFileSync(new URL('./fixtures/eurofxref-daily.xml', import.meta.url), 'utf8');

/** A local stand-in for the ECB: serves whatever the test sets. */
function fixtureFeed() {
  let reply = { status: 404, body: 'not yet' };
  let requests = 0;
  const server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(reply.status, { 'content-type': 'application/xml' }).end(reply.body);
  });
  return {
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/eurofxref-daily.xml`),
        ),
      ),
    serve: (body: string, status = 200) => {
      reply = { status, body };
    },
    requests: () => requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('ECB daily XML', () => {
  it('reads the rates of the latest day', () => {
    const parsed = parseEcbDailyXml(GOOD);
    expect(parsed.date).toBe('2026-11-20');
    expect(parsed.base).toBe('EUR');
    expect(parsed.rates.USD).toBe('1.0850');
    expect(Object.keys(parsed.rates)).toHaveLength(30);
  });

  it('says exactly what is wrong with a malformed file', () => {
    expect(() => parseEcbDailyXml(GOOD.slice(0, 600))).toThrow(/not well-formed XML \(line \d+, column \d+/);
    expect(() => parseEcbDailyXml('<html><body>Maintenance</body></html>')).toThrow(/no <gesmes:Envelope>/);
    expect(() => parseEcbDailyXml(GOOD.replace("rate='167.42'", "rate='n/a'"))).toThrow(
      /the rate of JPY on 2026-11-20 is not a positive number \(got "n\/a"\)/,
    );
    expect(() => parseEcbDailyXml(GOOD.replace("time='2026-11-20'", "date='2026-11-20'"))).toThrow(/no <Cube time=/);
  });
});

describe('exchange rates', () => {
  const feed = fixtureFeed();
  let server: TestServer;
  let manager: TillClient;

  beforeAll(async () => {
    const url = await feed.start();
    server = await startTestServer({ demo: true, env: { RATES_FEED_URL: url, RATES_FEED_INTERVAL_MS: '3600000' } });
    manager = clientsFor(server).manager;
    // The fetch at start meets a 404; wait for it so that the tests drive every later fetch.
    for (let i = 0; i < 100 && (await manager.exchangeRates.current()).feed?.lastAttemptAt === null; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    await server.stop();
    await feed.stop();
  });

  it('starts from the demo rates and reports the failed first fetch', async () => {
    const current = await manager.exchangeRates.current();
    expect(current.snapshot).toMatchObject({ id: 'demo-usd-2026-11-20', base: 'USD', rates: { EUR: '0.92' } });
    expect(current.feed?.lastError).toMatch(/answered 404/);
  });

  it('stores a good feed once, with rates per the store currency, and announces it', async () => {
    feed.serve(GOOD);
    const since = await lastSeq(server.db.pool);
    const first = await manager.exchangeRates.refresh();
    expect(first.outcome).toBe('stored');
    expect(first.snapshot).toMatchObject({ base: 'EUR', source: 'feed', asOf: '2026-11-20T00:00:00.000Z' });
    expect(first.snapshot.rates.USD).toBe('1.085');

    const again = await manager.exchangeRates.refresh();
    expect(again).toMatchObject({ outcome: 'unchanged', snapshot: { id: first.snapshot.id } });
    const events = await eventsSince(server.db.pool, since);
    expect(events.map((e) => e.type)).toEqual(['rates.updated']);
    expect(events[0]?.payload.snapshot).toEqual(first.snapshot);
    // Terminals price in the store's currency: the event carries the rates per it too.
    expect(events[0]?.payload).toMatchObject({
      storeCurrency: 'USD',
      storeRates: { EUR: new Decimal(1).div('1.085').toSignificantDigits(15).toFixed() },
    });

    const current = await manager.exchangeRates.current();
    expect(current.base).toBe('USD');
    expect(current.snapshot?.id).toBe(first.snapshot.id);
    const eurPerUsd = new Decimal(1).div('1.085').toSignificantDigits(15).toFixed();
    expect(current.snapshot?.rates.EUR).toBe(eurPerUsd);
    expect(current.snapshot?.rates.GBP).toBe(new Decimal('0.85643').div('1.085').toSignificantDigits(15).toFixed());
    expect(current.snapshot?.rates.USD).toBeUndefined();
    expect(current.feed).toMatchObject({ lastError: null, lastSnapshotId: first.snapshot.id });
  });

  it('keeps the stored rates when the feed is malformed or down, and says why', async () => {
    const before = await manager.exchangeRates.current();
    const since = await lastSeq(server.db.pool);

    feed.serve(GOOD.slice(0, 700));
    const truncated = await failureOf(manager.exchangeRates.refresh());
    expect(truncated).toMatchObject({ status: 502, code: 'RATES_FEED_FAILED' });
    expect(truncated.message).toMatch(/not in the ECB reference-rates format: not well-formed XML/);

    feed.serve(GOOD.replace("rate='1.0850'", "rate='-1'").replace('2026-11-20', '2026-11-23'));
    const negative = await failureOf(manager.exchangeRates.refresh());
    expect(negative.message).toContain('the rate of USD on 2026-11-23 is not a positive number');

    feed.serve('Service Unavailable', 503);
    const down = await failureOf(manager.exchangeRates.refresh());
    expect(down.message).toMatch(/answered 503/);

    const after = await manager.exchangeRates.current();
    expect(after.snapshot).toEqual(before.snapshot);
    expect(after.feed?.lastError).toMatch(/answered 503/);
    expect(await eventsSince(server.db.pool, since)).toEqual([]);
  });

  it('takes rates from a manager, never changes a snapshot, and uses the newest', async () => {
    const body = { base: 'USD', asOf: new Date().toISOString(), rates: { EUR: '0.9001', JPY: '150.5' } };
    const created = await manager.exchangeRates.put({ params: { id: 'manual-1' }, body });
    expect(created).toMatchObject({ id: 'manual-1', source: 'manual', rates: { EUR: '0.9001', JPY: '150.5' } });
    const retried = await manager.exchangeRates.put({ params: { id: 'manual-1' }, body });
    expect(retried).toEqual(created);
    const changed = await failureOf(
      manager.exchangeRates.put({ params: { id: 'manual-1' }, body: { ...body, rates: { EUR: '0.95' } } }),
    );
    expect(changed).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect((await manager.exchangeRates.current()).snapshot?.id).toBe('manual-1');

    const unknown = await failureOf(
      manager.exchangeRates.put({ params: { id: 'manual-2' }, body: { base: 'USD', rates: { XQZ: '1.5' } } }),
    );
    expect(unknown).toMatchObject({ status: 400, code: 'UNKNOWN_CURRENCY' });
    expect(unknown.details.fields).toEqual([
      { field: 'body.rates.XQZ', problem: 'must be an ISO 4217 currency code like "EUR"' },
    ]);
    const zero = await failureOf(
      manager.exchangeRates.put({ params: { id: 'manual-3' }, body: { base: 'USD', rates: { EUR: '0' } } }),
    );
    expect(zero.details.fields).toEqual([{ field: 'body.rates.EUR', problem: 'must be more than 0' }]);
    expect(await failureOf(clientsFor(server).storefront.exchangeRates.refresh())).toMatchObject({ status: 403 });
  });
});

describe('scheduled rates feed', () => {
  it('fetches the feed at start and again every interval, with nobody asking', async () => {
    const feed = fixtureFeed();
    const url = await feed.start();
    feed.serve('Service Unavailable', 503);
    const server = await startTestServer({ demo: true, env: { RATES_FEED_URL: url, RATES_FEED_INTERVAL_MS: '1000' } });
    try {
      const manager = clientsFor(server).manager;
      const waitFor = async (done: () => Promise<boolean>) => {
        for (let i = 0; i < 200 && !(await done()); i++) await new Promise((r) => setTimeout(r, 50));
      };
      await waitFor(async () => feed.requests() >= 1);
      feed.serve(GOOD);
      await waitFor(async () => (await manager.exchangeRates.current()).snapshot?.source === 'feed');
      const current = await manager.exchangeRates.current();
      expect(current.snapshot).toMatchObject({ source: 'feed', asOf: '2026-11-20T00:00:00.000Z' });
      expect(current.feed).toMatchObject({ lastError: null, intervalMs: 1000 });
      expect(feed.requests()).toBeGreaterThanOrEqual(2);
    } finally {
      await server.stop();
      await feed.stop();
    }
  });
});
