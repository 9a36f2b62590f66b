import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appendEvents } from '../../src/db/events';
import { inTransaction } from '../../src/db/pool';
import { readFeed, safeHead } from '../../src/sync/feed-reader';
import { createTestDatabase, type TestDatabase } from '../support';

/** Starts a transaction that writes an event and stays open until `commit` or `rollback`. */
async function openTransaction(db: TestDatabase, type = 'price.changed') {
  const client = await db.pool.connect();
  await client.query('BEGIN');
  const [seq] = await appendEvents(client, [{ storeId: null, type, payload: {} }]);
  const end = async (how: 'COMMIT' | 'ROLLBACK') => {
    await client.query(how);
    client.release();
  };
  return { seq: Number(seq), commit: () => end('COMMIT'), rollback: () => end('ROLLBACK') };
}

const commitEvent = async (db: TestDatabase, type = 'price.changed') =>
  Number((await appendEvents(db.pool, [{ storeId: null, type, payload: {} }]))[0]);

describe('reading the feed without skipping events still being committed', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('does not move past an earlier event that is still being committed, and returns both once it is', async () => {
    const start = await safeHead(db.pool, 1_000);
    const slow = await openTransaction(db);
    const fast = await commitEvent(db);
    expect(fast).toBeGreaterThan(slow.seq);

    const during = await readFeed(db.pool, start, 100, 50);
    expect(during).toMatchObject({ stalled: true, more: true, to: slow.seq - 1 });
    expect(during.changes.map((c) => c.seq)).toEqual([]);

    await slow.commit();
    const after = await readFeed(db.pool, start, 100, 50);
    expect(after.changes.map((c) => c.seq)).toEqual([slow.seq, fast]);
    expect(after.to).toBe(fast);
  });

  it('reads past audit-only changes without returning them', async () => {
    const start = await safeHead(db.pool, 1_000);
    const granted = await commitEvent(db, 'hold.granted');
    const cut = await commitEvent(db, 'hold.cut');
    const released = await commitEvent(db, 'hold.released');
    expect(granted).toBeLessThan(released);
    const read = await readFeed(db.pool, start, 100, 50);
    expect(read.changes.map((c) => [c.seq, c.type])).toEqual([[cut, 'hold.cut']]);
    expect(read).toMatchObject({ to: released, stalled: false, more: false });
  });

  it('skips a number whose transaction rolled back', async () => {
    const start = await safeHead(db.pool, 1_000);
    const lost = await openTransaction(db);
    await lost.rollback();
    const kept = await commitEvent(db);
    const read = await readFeed(db.pool, start, 100, 50);
    expect(read.changes.map((c) => c.seq)).toEqual([kept]);
    expect(read).toMatchObject({ to: kept, stalled: false });
  });

  it('waits for a gap to resolve when a transaction is open at the time, and not longer', async () => {
    const start = await safeHead(db.pool, 1_000);
    const slow = await openTransaction(db);
    const fast = await commitEvent(db);
    setTimeout(() => void slow.commit(), 100);
    const read = await readFeed(db.pool, start, 100, 5_000);
    expect(read.changes.map((c) => c.seq)).toEqual([slow.seq, fast]);
    expect(read.stalled).toBe(false);
  });

  it('is not held back by a transaction in another database', async () => {
    const other = new pg.Client({ connectionString: inject('services').pgAdminUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()'); // holds a transaction id, like a long import would
      const start = await safeHead(db.pool, 1_000);
      const lost = await openTransaction(db);
      await lost.rollback();
      const kept = await commitEvent(db);
      const read = await readFeed(db.pool, start, 100, 5_000);
      expect(read.changes.map((c) => c.seq)).toEqual([kept]);
      expect(read.stalled).toBe(false);
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
  });

  it('pages a long feed and says when there is more', async () => {
    const start = await safeHead(db.pool, 1_000);
    await inTransaction(db.pool, (client) =>
      appendEvents(
        client,
        Array.from({ length: 25 }, (_, i) => ({ storeId: null, type: 'price.changed', payload: { i } })),
      ),
    );
    const first = await readFeed(db.pool, start, 10, 50);
    expect(first.changes).toHaveLength(10);
    expect(first.more).toBe(true);
    const second = await readFeed(db.pool, first.to, 100, 50);
    expect(second.changes).toHaveLength(15);
    expect(second.more).toBe(false);
    expect(second.changes.map((c) => c.payload.i)).toEqual(Array.from({ length: 15 }, (_, i) => i + 10));
  });

  it('gives a snapshot point below which nothing is still being committed', async () => {
    const slow = await openTransaction(db);
    const fast = await commitEvent(db);
    setTimeout(() => void slow.commit(), 100);
    const head = await safeHead(db.pool, 5_000);
    expect(head).toBeGreaterThanOrEqual(fast);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM events WHERE seq = $1', [slow.seq]);
    expect(rows[0].n).toBe(1); // the slow one had committed by the time the head was given
  });
});
