import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TillClient } from '../src/client';
import { startTestServer, type TestServer } from './support';
import { clientsFor, eventsSince, failureOf, lastSeq } from './support/pricing';

const tenOffToys = { kind: 'discount', appliesTo: { categories: ['toys'] }, percentOff: '10' };

describe('pricing rules, campaigns and price lists', () => {
  let server: TestServer;
  let manager: TillClient;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    manager = clientsFor(server).manager;
  });
  afterAll(() => server.stop());

  const ruleCount = async () =>
    Number((await server.db.pool.query('SELECT count(*) AS n FROM pricing_rules')).rows[0].n as string);

  it('stores a rule as the engine accepted it, bumps the version and announces it once', async () => {
    const since = await lastSeq(server.db.pool);
    const before = (await manager.rules.list()).pricingVersion;
    const created = await manager.rules.put({ params: { id: 'toys-10' }, body: { rule: tenOffToys } });
    expect(created).toMatchObject({
      id: 'toys-10',
      rule: { id: 'toys-10', kind: 'discount', percentOff: '10' },
      campaignId: null,
      enabled: true,
      revision: 1,
      pricingVersion: before + 1,
    });
    expect(created.effective).toEqual(created.rule);

    const same = await manager.rules.put({
      params: { id: 'toys-10' },
      body: { rule: { ...tenOffToys, id: 'toys-10' } },
    });
    expect(same).toMatchObject({ revision: 1, pricingVersion: before + 1 });

    const disabled = await manager.rules.put({ params: { id: 'toys-10' }, body: { rule: tenOffToys, enabled: false } });
    expect(disabled).toMatchObject({ revision: 2, enabled: false, effective: null, pricingVersion: before + 2 });

    const events = await eventsSince(server.db.pool, since);
    expect(events.map((e) => [e.type, e.payload.pricingVersion])).toEqual([
      ['rule.upserted', before + 1],
      ['rule.upserted', before + 2],
    ]);
    const { pricingVersion: _v, ...stored } = disabled;
    expect(events[1]?.payload.rule).toEqual(stored);
    expect(await manager.rules.get({ params: { id: 'toys-10' } })).toEqual(stored);
  });

  it('refuses a bad rule with 400 naming the field, storing nothing and announcing nothing', async () => {
    const since = await lastSeq(server.db.pool);
    const count = await ruleCount();
    const noKind = await failureOf(manager.rules.put({ params: { id: 'bad-1' }, body: { rule: {} as never } }));
    expect(noKind).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect((noKind.details.fields as Array<{ field: string }>)[0]?.field).toBe('body.rule.kind');

    const otherId = await failureOf(
      manager.rules.put({ params: { id: 'bad-2' }, body: { rule: { ...tenOffToys, id: 'not-bad-2' } } }),
    );
    expect(otherId.details.fields).toEqual([
      { field: 'body.rule.id', problem: 'must be "bad-2" (the id in the path) or left out' },
    ]);

    const batch = await failureOf(
      manager.rules.batch({
        body: {
          upsert: [
            { rule: { ...tenOffToys, id: 'fine-1' } },
            { rule: { ...tenOffToys, id: 'fine-1' } },
            { rule: { id: 'no-kind' } as never },
          ],
        },
      }),
    );
    expect(batch.status).toBe(400);
    const fields = (batch.details.fields as Array<{ field: string }>).map((f) => f.field);
    expect(fields).toContain('body.upsert.2.rule.kind');

    const dupes = await failureOf(
      manager.rules.batch({
        body: { upsert: [{ rule: { ...tenOffToys, id: 'fine-1' } }, { rule: { ...tenOffToys, id: 'fine-1' } }] },
      }),
    );
    expect(dupes.details.fields).toEqual([
      { field: 'body.upsert.1.rule.id', problem: '"fine-1" is also at body.upsert.0.rule' },
    ]);

    const unknownCampaign = await failureOf(
      manager.rules.put({ params: { id: 'orphan' }, body: { rule: tenOffToys, campaignId: 'no-such-campaign' } }),
    );
    expect(unknownCampaign).toMatchObject({ status: 404 });
    expect(unknownCampaign.details.fields).toEqual([
      { field: 'body.campaignId', problem: 'no such campaign in this store' },
    ]);

    expect(await ruleCount()).toBe(count);
    expect(await eventsSince(server.db.pool, since)).toEqual([]);
  });

  it('lets the pricing engine judge each rule: its problems come back naming the field', async () => {
    const since = await lastSeq(server.db.pool);
    const count = await ruleCount();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ kind: 'discount', percentOff: '120' }, 'body.rule.percentOff'],
      [{ kind: 'discount' }, 'body.rule'],
      [{ kind: 'bogus', percentOff: '5' }, 'body.rule.kind'],
      [
        { kind: 'price', price: '1.00', validFrom: '2030-01-02T00:00:00Z', validTo: '2030-01-01T00:00:00Z' },
        'body.rule.validTo',
      ],
      [{ kind: 'tiered', tiers: [{ minQty: 0, percentOff: '5' }] }, 'body.rule.tiers.0.minQty'],
      [{ kind: 'discount', percentOff: '5', surprise: true }, 'body.rule.surprise'],
    ];
    for (const [rule, field] of cases) {
      const refused = await failureOf(manager.rules.put({ params: { id: 'judged' }, body: { rule: rule as never } }));
      expect(refused, JSON.stringify(rule)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      const fields = (refused.details.fields as Array<{ field: string; problem: string }>).map((f) => f.field);
      expect(fields, JSON.stringify(refused.details)).toContain(field);
    }
    const checked = await manager.rules
      .validate({ body: { rule: { id: 'x', kind: 'discount', percentOff: '120' } } })
      .catch((e) => e);
    expect(checked.details.fields[0].field).toBe('body.rule.percentOff');
    const fine = await manager.rules.validate({
      body: { rule: { id: 'x', kind: 'price', price: '1', validFrom: '2030-01-01T10:00:00+02:00' } },
    });
    expect(fine.rule.validFrom).toBe('2030-01-01T08:00:00.000Z'); // the engine's normal form
    expect(await ruleCount()).toBe(count);
    expect(await eventsSince(server.db.pool, since)).toEqual([]);
  });

  it('applies a batch in one transaction and one new version', async () => {
    const since = await lastSeq(server.db.pool);
    const before = (await manager.rules.list()).pricingVersion;
    const result = await manager.rules.batch({
      body: {
        upsert: Array.from({ length: 50 }, (_, i) => ({ rule: { ...tenOffToys, id: `bulk-${i}`, priority: i } })),
      },
    });
    expect(result).toEqual({ upserted: 50, unchanged: 0, deleted: 0, pricingVersion: before + 1 });
    const again = await manager.rules.batch({
      body: {
        upsert: [{ rule: { ...tenOffToys, id: 'bulk-0', priority: 0 } }],
        delete: ['bulk-1', 'bulk-2', 'never-existed'],
      },
    });
    expect(again).toEqual({ upserted: 0, unchanged: 1, deleted: 2, pricingVersion: before + 2 });
    const events = await eventsSince(server.db.pool, since);
    expect(events.filter((e) => e.type === 'rule.upserted')).toHaveLength(50);
    expect(events.filter((e) => e.type === 'rule.deleted').map((e) => e.payload.id)).toEqual(['bulk-1', 'bulk-2']);
    expect(new Set(events.map((e) => e.payload.pricingVersion))).toEqual(new Set([before + 1, before + 2]));
    const listed = await manager.rules.list({ query: { limit: 500 } });
    expect(listed.items.filter((r) => r.id.startsWith('bulk-'))).toHaveLength(48);
  });

  it('deletes a rule once; a second delete is 404', async () => {
    await manager.rules.put({ params: { id: 'short-lived' }, body: { rule: tenOffToys } });
    const deleted = await manager.rules.delete({ params: { id: 'short-lived' } });
    expect(deleted).toMatchObject({ id: 'short-lived', deleted: true });
    expect(await failureOf(manager.rules.delete({ params: { id: 'short-lived' } }))).toMatchObject({ status: 404 });
  });

  it('schedules a campaign whose window every one of its rules carries, and moves them with it', async () => {
    const since = await lastSeq(server.db.pool);
    const put = await manager.campaigns.put({
      params: { id: 'flash-1' },
      body: {
        name: 'Flash sale',
        startsAt: '2030-01-01T10:00:00.000Z',
        endsAt: '2030-01-01T12:00:00.000Z',
        rules: [
          { id: 'flash-1-toys', kind: 'discount', appliesTo: { categories: ['toys'] }, percentOff: '30' },
          {
            id: 'flash-1-late',
            kind: 'price',
            appliesTo: { skus: ['TOY-00001'] },
            price: '1.00',
            validFrom: '2030-01-01T11:00:00.000Z',
            validTo: '2030-01-01T12:00:00.000Z',
          },
        ],
      },
    });
    expect(put).toMatchObject({ status: 'scheduled', ruleIds: ['flash-1-late', 'flash-1-toys'] });
    const byId = Object.fromEntries(put.rules.map((r) => [r.id, r]));
    expect(byId['flash-1-toys']?.effective).toMatchObject({
      validFrom: '2030-01-01T10:00:00.000Z',
      validTo: '2030-01-01T12:00:00.000Z',
    });
    expect(byId['flash-1-late']?.effective).toMatchObject({
      validFrom: '2030-01-01T11:00:00.000Z',
      validTo: '2030-01-01T12:00:00.000Z',
    });

    const moved = await manager.campaigns.put({
      params: { id: 'flash-1' },
      body: { name: 'Flash sale', startsAt: '2030-01-02T10:00:00.000Z', endsAt: '2030-01-02T12:00:00.000Z' },
    });
    expect(moved.rules.find((r) => r.id === 'flash-1-late')?.effective).toBeNull(); // its own window is over by then
    expect(moved.rules.find((r) => r.id === 'flash-1-toys')?.effective).toMatchObject({
      validFrom: '2030-01-02T10:00:00.000Z',
    });

    const events = await eventsSince(server.db.pool, since);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'campaign.upserted')).toHaveLength(2);
    // Every rule is announced again when the window moves, with its new effective form.
    const lastToys = events
      .filter((e) => e.type === 'rule.upserted' && (e.payload.rule as { id: string }).id === 'flash-1-toys')
      .at(-1);
    expect((lastToys?.payload.rule as { effective: { validFrom: string } } | undefined)?.effective.validFrom).toBe(
      '2030-01-02T10:00:00.000Z',
    );

    const refused = await failureOf(manager.campaigns.end({ params: { id: 'flash-1' } }));
    expect(refused).toMatchObject({ status: 409, code: 'CAMPAIGN_NOT_STARTED' });

    const badWindow = await failureOf(
      manager.campaigns.put({
        params: { id: 'flash-2' },
        body: { name: 'Backwards', startsAt: '2030-01-02T10:00:00.000Z', endsAt: '2030-01-01T10:00:00.000Z' },
      }),
    );
    expect(badWindow.details.fields).toEqual([{ field: 'body.endsAt', problem: 'must be after startsAt' }]);
  });

  it('stops a running campaign now, and deletes a campaign with its rules', async () => {
    const now = Date.now();
    await manager.campaigns.put({
      params: { id: 'running' },
      body: {
        name: 'Running',
        startsAt: new Date(now - 60_000).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
        rules: [{ id: 'running-toys', ...tenOffToys }],
      },
    });
    const ended = await manager.campaigns.end({ params: { id: 'running' } });
    expect(ended.status).toBe('ended');
    expect(Date.parse(ended.endsAt)).toBeLessThanOrEqual(Date.now());
    expect(ended.rules[0]?.effective?.validTo).toBe(ended.endsAt);

    const since = await lastSeq(server.db.pool);
    const deleted = await manager.campaigns.delete({ params: { id: 'running' } });
    expect(deleted).toMatchObject({ deleted: true, ruleIds: ['running-toys'] });
    expect(await failureOf(manager.rules.get({ params: { id: 'running-toys' } }))).toMatchObject({ status: 404 });
    expect((await eventsSince(server.db.pool, since)).map((e) => e.type)).toEqual(['rule.deleted', 'campaign.deleted']);
  });

  it('keeps price lists per channel with their prices, announcing each change', async () => {
    const since = await lastSeq(server.db.pool);
    const list = await manager.priceLists.put({
      params: { id: 'online' },
      body: { name: 'Online prices', channel: 'online', prices: [{ sku: 'TOY-00001', price: '9.5' }] },
    });
    expect(list).toMatchObject({
      channel: 'online',
      priceCount: 1,
      currency: 'USD',
      prices: [{ sku: 'TOY-00001', price: '9.50' }],
    });
    const set = await manager.priceLists.setPrice({
      params: { id: 'online', sku: 'TOY-00003' },
      body: { price: '12.00' },
    });
    expect(set).toMatchObject({ sku: 'TOY-00003', price: { amount: '12.00', currency: 'USD' } });
    const removed = await manager.priceLists.removePrice({ params: { id: 'online', sku: 'TOY-00001' } });
    expect(removed.price).toBeNull();
    const unknown = await failureOf(
      manager.priceLists.put({
        params: { id: 'online' },
        body: { name: 'x', prices: [{ sku: 'NOPE-1', price: '1' }] },
      }),
    );
    expect(unknown.details.fields).toEqual([{ field: 'body.prices.0.sku', problem: 'no product NOPE-1' }]);
    const events = await eventsSince(server.db.pool, since);
    expect(events.map((e) => e.type)).toEqual(['price_list.upserted', 'price.changed', 'price.changed']);
    expect(events[1]?.payload).toMatchObject({ sku: 'TOY-00003', price: '12.00', currency: 'USD', channel: 'online' });
    expect(events[2]?.payload).toMatchObject({ sku: 'TOY-00001', price: null });
  });

  it('seeds the demo rules and a scheduled flash sale', async () => {
    const rules = await manager.rules.list({ query: { limit: 500 } });
    expect(rules.items.map((r) => r.id)).toEqual(
      expect.arrayContaining(['demo-gold-home-15', 'demo-coupon-save10', 'demo-toys-b1g1', 'demo-threshold-100']),
    );
    const campaign = await manager.campaigns.get({ params: { id: 'demo-black-friday-2026' } });
    expect(campaign.ruleIds).toEqual(['demo-black-friday-electronics-25']);
  });
});
