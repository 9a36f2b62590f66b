import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TillClient } from '../src/client';
import { pruneIdempotencyKeys } from '../src/http/idempotency';
import { startTestServer, type TestServer } from './support';
import { clientsFor, eventsSince, failureOf, lastSeq } from './support/pricing';

describe('customers', () => {
  let server: TestServer;
  let api: ReturnType<typeof clientsFor>;
  let manager: TillClient;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    api = clientsFor(server);
    manager = api.manager;
  });
  afterAll(() => server.stop());

  it('seeds demo customers a terminal can find by loyalty card or phone', async () => {
    const byCard = await api.terminal.customers.lookup({ query: { loyaltyCard: 'TILL-0001' } });
    expect(byCard).toMatchObject({ id: 'demo-ada', name: 'Ada Lovelace', segments: ['gold'] });
    const byPhone = await api.terminal.customers.lookup({ query: { phone: '+1 (212) 555-0102' } });
    expect(byPhone).toMatchObject({ id: 'demo-grace', segments: ['vip'] });
    const withoutCountryCode = await api.terminal.customers.lookup({ query: { phone: '212.555.0102' } });
    expect(withoutCountryCode.id).toBe('demo-grace');
    const otherNumber = await failureOf(api.terminal.customers.lookup({ query: { phone: '212 555 0177' } }));
    expect(otherNumber).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const missing = await failureOf(api.terminal.customers.lookup({ query: { loyaltyCard: 'TILL-9999' } }));
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const neither = await failureOf(api.terminal.customers.lookup({ query: {} }));
    expect(neither).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(neither.details)).toContain('loyaltyCard');
  });

  it('creates, changes and announces a customer, each change once', async () => {
    const id = uuidv7();
    const since = await lastSeq(server.db.pool);
    const created = await manager.customers.put({
      params: { id },
      body: { name: 'Mary Jackson', phone: '(212) 555-0199', loyaltyCard: 'CARD-777', segments: ['New', 'gold'] },
    });
    expect(created).toMatchObject({ id, phone: '2125550199', segments: ['gold', 'new'], revision: 1, email: null });

    const again = await manager.customers.put({
      params: { id },
      body: { name: 'Mary Jackson', phone: '212-555-0199', loyaltyCard: 'CARD-777', segments: ['gold', 'new'] },
    });
    expect(again.revision).toBe(1); // nothing differs: no new revision

    const changed = await manager.customers.put({
      params: { id },
      body: { name: 'Mary Jackson', phone: '212-555-0199', loyaltyCard: 'CARD-777', segments: ['vip'] },
    });
    expect(changed).toMatchObject({ revision: 2, segments: ['vip'] });

    const events = (await eventsSince(server.db.pool, since)).filter((e) => e.type === 'customer.upserted');
    expect(events.map((e) => (e.payload.customer as { revision: number }).revision)).toEqual([1, 2]);
    expect(events[1]?.payload.customer).toEqual(changed);

    const found = await api.terminal.customers.lookup({ query: { phone: '212 555 0199' } });
    expect(found.id).toBe(id);
  });

  it('refuses a loyalty card or phone that belongs to another customer, naming the field, changing nothing', async () => {
    const since = await lastSeq(server.db.pool);
    const taken = await failureOf(
      manager.customers.put({ params: { id: uuidv7() }, body: { name: 'Copycat', loyaltyCard: 'TILL-0001' } }),
    );
    expect(taken).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(taken.details.fields).toEqual([{ field: 'body.loyaltyCard', problem: 'belongs to another customer' }]);
    const phone = await failureOf(
      manager.customers.put({ params: { id: 'demo-alan' }, body: { name: 'Alan Turing', phone: '+12125550101' } }),
    );
    expect(phone.details.fields).toEqual([{ field: 'body.phone', problem: 'belongs to another customer' }]);
    expect(await eventsSince(server.db.pool, since)).toEqual([]);
    expect((await manager.customers.get({ params: { id: 'demo-alan' } })).phone).toBe('+12125550103');
  });

  it('names the field of malformed input', async () => {
    const bad = await failureOf(
      manager.customers.put({
        params: { id: 'x-1' },
        body: { name: '', email: 'not-an-email', segments: ['Gold Members!'] } as never,
      }),
    );
    expect(bad.status).toBe(400);
    const fields = (bad.details.fields as Array<{ field: string }>).map((f) => f.field).sort();
    expect(fields).toEqual(['body.email', 'body.name', 'body.segments.0']);
  });

  it('replays a write retried with the same Idempotency-Key and refuses the key for another write', async () => {
    const key = uuidv7();
    const id = uuidv7();
    const since = await lastSeq(server.db.pool);
    const body = { name: 'Dorothy Vaughan', segments: ['vip'] };
    const [a, b] = await Promise.all([
      server.request(`/v1/customers/${id}`, {
        role: 'manager',
        method: 'PUT',
        body: JSON.stringify(body),
        headers: { 'idempotency-key': key },
      }),
      server.request(`/v1/customers/${id}`, {
        role: 'manager',
        method: 'PUT',
        body: JSON.stringify(body),
        headers: { 'idempotency-key': key },
      }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const replayed = [a, b].filter((r) => r.headers.get('idempotent-replayed') === 'true');
    expect(replayed).toHaveLength(1);
    expect(await a.json()).toEqual(await b.json());
    expect((await eventsSince(server.db.pool, since)).filter((e) => e.type === 'customer.upserted')).toHaveLength(1);

    const reused = await failureOf(
      manager.customers.put({ params: { id }, body: { name: 'Someone else' }, idempotencyKey: key }),
    );
    expect(reused).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await manager.customers.get({ params: { id } })).name).toBe('Dorothy Vaughan');
  });

  it('lets only managers write and list, terminals look up, storefronts neither', async () => {
    expect(await failureOf(api.terminal.customers.put({ params: { id: 'x' }, body: { name: 'X' } }))).toMatchObject({
      status: 403,
    });
    expect(await failureOf(api.storefront.customers.lookup({ query: { loyaltyCard: 'TILL-0001' } }))).toMatchObject({
      status: 403,
    });
    const gold = await manager.customers.list({ query: { segment: 'gold' } });
    expect(gold.items.map((c) => c.id)).toEqual(expect.arrayContaining(['demo-ada', 'demo-katherine']));
    expect(gold.items.every((c) => c.segments.includes('gold'))).toBe(true);
  });

  it('lets an admin key act on a store it names', async () => {
    const lost = await failureOf(api.admin.customers.get({ params: { id: 'demo-ada' } }));
    expect(lost).toMatchObject({ status: 400, code: 'STORE_REQUIRED' });
    const found = await api.admin.customers.get({ params: { id: 'demo-ada' }, store: 'demo' });
    expect(found.name).toBe('Ada Lovelace');
    const other = await failureOf(manager.customers.get({ params: { id: 'demo-ada' }, store: 'elsewhere' }));
    expect(other).toMatchObject({ status: 403, code: 'FORBIDDEN_STORE' });
  });

  it('forgets Idempotency-Keys after a day', async () => {
    await server.db.pool.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)
       VALUES ('demo', 'old-key', '\\x00', 200, '{}', now() - interval '25 hours'),
              ('demo', 'new-key', '\\x00', 200, '{}', now() - interval '1 hour')`,
    );
    expect(await pruneIdempotencyKeys(server.db.pool)).toBeGreaterThanOrEqual(1);
    const { rows } = await server.db.pool.query<{ key: string }>(
      `SELECT key FROM idempotency_keys WHERE key IN ('old-key', 'new-key')`,
    );
    expect(rows.map((r) => r.key)).toEqual(['new-key']);
  });
});
