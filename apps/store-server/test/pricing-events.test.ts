import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TillClient } from '../src/client';
import { startTestServer, type TestServer } from './support';
import { clientsFor, eventsSince, failureOf, lastSeq } from './support/pricing';

/**
 * Every change of a rule or campaign is an event written in the same transaction: replaying
 * the events gives exactly the stored rules, and a write that fails at any point (here: the
 * event itself cannot be written, or the row cannot) leaves neither the change nor an event.
 */

const FAIL_ON_EVENT = 'fail-on-event';
const FAIL_ON_ROW = 'fail-on-row';

describe('pricing changes and their events', () => {
  let server: TestServer;
  let manager: TillClient;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    manager = clientsFor(server).manager;
    // Fault injection: writes marked by their rule name fail after (or while) the row is written.
    await server.db.pool.query(`
      CREATE FUNCTION test_fail_marked_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.payload::text LIKE '%${FAIL_ON_EVENT}%' THEN RAISE EXCEPTION 'injected: event refused'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_fail_marked_event BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION test_fail_marked_event();
      CREATE FUNCTION test_fail_marked_rule() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.rule ->> 'name' = '${FAIL_ON_ROW}' THEN RAISE EXCEPTION 'injected: row refused'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_fail_marked_rule BEFORE INSERT OR UPDATE ON pricing_rules
        FOR EACH ROW EXECUTE FUNCTION test_fail_marked_rule();`);
  });
  afterAll(() => server.stop());

  async function storedRules(): Promise<Map<string, unknown>> {
    const { rows } = await server.db.pool.query<{ id: string; rule: unknown }>(
      `SELECT id, rule FROM pricing_rules WHERE store_id = 'demo'`,
    );
    return new Map(rows.map((r) => [r.id, r.rule]));
  }

  async function version(): Promise<number> {
    return (await manager.rules.list({ query: { limit: 1 } })).pricingVersion;
  }

  it('leaves no change and no event when the event cannot be written, nor when the row cannot', async () => {
    const since = await lastSeq(server.db.pool);
    const before = { rules: await storedRules(), version: await version() };
    const rule = { kind: 'discount', percentOff: '5' };
    const onEvent = await failureOf(
      manager.rules.put({ params: { id: 'never-1' }, body: { rule: { ...rule, name: FAIL_ON_EVENT } } }),
    );
    expect(onEvent.status).toBe(500);
    const onRow = await failureOf(
      manager.rules.batch({
        body: {
          upsert: [{ rule: { ...rule, id: 'never-2' } }, { rule: { ...rule, id: 'never-3', name: FAIL_ON_ROW } }],
        },
      }),
    );
    expect(onRow.status).toBe(500);
    const inCampaign = await failureOf(
      manager.campaigns.put({
        params: { id: 'never-campaign' },
        body: {
          name: 'never',
          startsAt: '2030-01-01T00:00:00.000Z',
          endsAt: '2030-01-02T00:00:00.000Z',
          rules: [{ ...rule, id: 'never-4', name: FAIL_ON_EVENT }],
        },
      }),
    );
    expect(inCampaign.status).toBe(500);
    expect(await storedRules()).toEqual(before.rules);
    expect(await version()).toBe(before.version);
    expect(await eventsSince(server.db.pool, since)).toEqual([]);
    expect(await failureOf(manager.campaigns.get({ params: { id: 'never-campaign' } }))).toMatchObject({ status: 404 });
  });

  it('keeps the event log and the stored rules equal through any sequence of writes, failed or not', async () => {
    const ids = ['p-a', 'p-b', 'p-c', 'p-d'];
    const ruleArb = fc.record({
      id: fc.constantFrom(...ids),
      percent: fc.integer({ min: 1, max: 90 }),
      fails: fc.constantFrom(undefined, undefined, undefined, FAIL_ON_EVENT, FAIL_ON_ROW),
    });
    const toRule = (r: { id: string; percent: number; fails: string | undefined }) => ({
      id: r.id,
      kind: 'discount',
      percentOff: String(r.percent),
      ...(r.fails ? { name: r.fails } : {}),
    });
    const command = fc.oneof(
      ruleArb.map((r) => ({ put: r })),
      fc.constantFrom(...ids).map((id) => ({ del: id })),
      fc.array(ruleArb, { minLength: 1, maxLength: 3 }).map((batch) => ({ batch })),
    );

    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 8 }), async (commands) => {
        await manager.rules.batch({ body: { delete: ids } });
        const since = await lastSeq(server.db.pool);
        const start = await storedRules();
        for (const c of commands) {
          try {
            if ('put' in c) await manager.rules.put({ params: { id: c.put.id }, body: { rule: toRule(c.put) } });
            else if ('del' in c) await manager.rules.delete({ params: { id: c.del } });
            else {
              const unique = [...new Map(c.batch.map((r) => [r.id, r])).values()];
              await manager.rules.batch({ body: { upsert: unique.map((r) => ({ rule: toRule(r) })) } });
            }
          } catch (error) {
            if ((error as Error).name !== 'ApiError') throw error;
          }
        }
        // Replay the events over the starting state: it must give exactly what is stored.
        const replayed = new Map(start);
        let lastVersion: number | undefined;
        for (const e of await eventsSince(server.db.pool, since)) {
          if (e.type === 'rule.upserted') {
            const stored = e.payload.rule as { id: string; rule: unknown };
            replayed.set(stored.id, stored.rule);
          } else if (e.type === 'rule.deleted') replayed.delete(e.payload.id as string);
          lastVersion = e.payload.pricingVersion;
        }
        expect(replayed).toEqual(await storedRules());
        if (lastVersion !== undefined) expect(await version()).toBe(lastVersion);
        for (const rule of (await storedRules()).values()) {
          expect(JSON.stringify(rule)).not.toMatch(/fail-on-/);
        }
      }),
      { numRuns: 30 },
    );
  });
});
