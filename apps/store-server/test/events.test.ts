import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents } from '../src/db/events';
import { inTransaction } from '../src/db/pool';
import { createTestDatabase, type TestDatabase } from './support';

describe('events table', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
  });
  afterAll(() => db.drop());

  it('gives increasing sequence numbers in append order', async () => {
    const seqs = await appendEvents(db.pool, [
      { storeId: 'demo', type: 'price.changed', payload: { sku: 'A' } },
      { storeId: 'demo', type: 'price.changed', payload: { sku: 'B' } },
      { storeId: null, type: 'catalog.changed', payload: {} },
    ]);
    expect(seqs).toHaveLength(3);
    expect(new Set(seqs).size).toBe(3);
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));
    const { rows } = await db.pool.query('SELECT payload FROM events WHERE seq = ANY($1::bigint[]) ORDER BY seq', [
      seqs.map(String),
    ]);
    expect(rows.map((r) => r.payload.sku)).toEqual(['A', 'B', undefined]);
  });

  it('refuses updates, deletes and truncation', async () => {
    await expect(db.pool.query(`UPDATE events SET type = 'x.y'`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query('DELETE FROM events')).rejects.toThrow(/append-only/);
    await expect(db.pool.query('TRUNCATE events')).rejects.toThrow(/append-only/);
  });

  it('lets only a retention job that says so delete old events', async () => {
    const before = await db.pool.query('SELECT count(*)::int AS n FROM events');
    await inTransaction(db.pool, async (client) => {
      await client.query(`SET LOCAL till.allow_event_pruning = 'on'`);
      await client.query(`DELETE FROM events WHERE type = 'catalog.changed'`);
    });
    const after = await db.pool.query('SELECT count(*)::int AS n FROM events');
    expect(after.rows[0].n).toBe(before.rows[0].n - 1);
    await expect(db.pool.query('DELETE FROM events')).rejects.toThrow(/append-only/);
  });

  it('refuses malformed event types', async () => {
    await expect(appendEvents(db.pool, [{ storeId: 'demo', type: 'Bad Type', payload: {} }])).rejects.toThrow(
      /events_type_check/,
    );
  });

  it('rolls an event back with the change it belongs to', async () => {
    const before = await db.pool.query('SELECT count(*)::int AS n FROM events');
    await expect(
      inTransaction(db.pool, async (client) => {
        await appendEvents(client, [{ storeId: 'demo', type: 'stock.adjusted', payload: { sku: 'X' } }]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const after = await db.pool.query('SELECT count(*)::int AS n FROM events');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});
