import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support';
import { eventsSince, lastSeq } from './support/pricing';

describe("changing a store's settings", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ demo: true });
  });
  afterAll(() => server.stop());

  const patch = (body: unknown, role: 'manager' | 'terminal' = 'manager') =>
    server.request('/v1/stores/demo', { role, method: 'PATCH', body: JSON.stringify(body) });
  const pricingVersion = async () =>
    Number(
      (
        await server.db.pool.query<{ v: string }>(
          `SELECT version::text AS v FROM pricing_versions WHERE store_id = 'demo'`,
        )
      ).rows[0]?.v ?? 0,
    );

  it('renames the store with a store.updated event, without a new pricing version', async () => {
    const since = await lastSeq(server.db.pool);
    const version = await pricingVersion();
    const renamed = await patch({ name: 'Demo Store Downtown' });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toEqual({
      id: 'demo',
      name: 'Demo Store Downtown',
      currency: 'USD',
      timeZone: 'America/New_York',
      taxIncluded: false,
      stacking: 'withinPriority',
    });
    const events = await eventsSince(server.db.pool, since);
    expect(events.map((e) => [e.type, e.payload])).toEqual([
      ['store.updated', { store: expect.objectContaining({ name: 'Demo Store Downtown' }) }],
    ]);
    expect(await pricingVersion()).toBe(version);
    const listed = await (await server.request('/v1/stores', { role: 'terminal' })).json();
    expect(listed.items[0]).toMatchObject({ name: 'Demo Store Downtown', stacking: 'withinPriority' });

    // The same again changes nothing and writes nothing.
    const again = await patch({ name: 'Demo Store Downtown' });
    expect(again.status).toBe(200);
    expect(await eventsSince(server.db.pool, events.at(-1)?.seq ?? since)).toEqual([]);
  });

  it('treats a change of zone, tax mode or stacking as a pricing change: carts price with it at once', async () => {
    const { rows } = await server.db.pool.query<{ sku: string }>(
      `SELECT sku FROM products WHERE active AND tax_rate > 0 ORDER BY sku LIMIT 1`,
    );
    const price = async () =>
      (
        await server.request('/v1/carts/price', {
          method: 'POST',
          body: JSON.stringify({ lines: [{ sku: rows[0]?.sku, qty: 1 }] }),
        })
      ).json();
    const before = await price();
    expect(before.taxIncluded).toBe(false);
    const since = await lastSeq(server.db.pool);
    const version = await pricingVersion();

    const changed = await patch({ taxIncluded: true, stacking: 'acrossPriorities', timeZone: 'Europe/Paris' });
    expect(changed.status).toBe(200);
    const [event] = await eventsSince(server.db.pool, since);
    expect(event).toMatchObject({
      type: 'store.updated',
      payload: {
        store: { taxIncluded: true, stacking: 'acrossPriorities', timeZone: 'Europe/Paris' },
        pricingVersion: version + 1,
      },
    });
    const after = await price();
    expect(after).toMatchObject({ taxIncluded: true, stacking: 'acrossPriorities' });
    expect(after.rulesSnapshot.version).toBe(version + 1);
    await patch({ taxIncluded: false, stacking: 'withinPriority', timeZone: 'America/New_York' });
  });

  it('refuses bad settings naming the field, and changes nothing', async () => {
    const since = await lastSeq(server.db.pool);
    const cases: [unknown, string, RegExp][] = [
      [{ timeZone: 'Mars/Olympus_Mons' }, 'body.timeZone', /IANA time zone/],
      [{ currency: 'EUR' }, 'body.currency', /cannot change/],
      [{ name: '' }, 'body.name', /is empty/],
      [{ taxIncluded: 'yes' }, 'body.taxIncluded', /boolean/],
      [{ colour: 'blue' }, 'body.colour', /not a setting of a store/],
    ];
    for (const [body, field, problem] of cases) {
      const response = await patch(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const { error } = await response.json();
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.fields[0].field).toBe(field);
      expect(error.fields[0].problem).toMatch(problem);
    }
    expect((await patch({ name: 'Till shop' }, 'terminal')).status).toBe(403);
    expect(await eventsSince(server.db.pool, since)).toEqual([]);
  });
});
