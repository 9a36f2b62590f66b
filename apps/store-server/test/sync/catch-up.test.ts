import { MemorySyncStore } from '@till/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents } from '../../src/db/events';
import type { RunningServer } from '../../src/server';
import { pruneEvents } from '../../src/sync/catch-up';
import { createTestDatabase, freePort, issueTestKeys, type TestDatabase, type TestKeys } from '../support';
import { changePrice, connectClient, demoSkus, eventually, startOn } from './support';

describe('catch-up by sequence', () => {
  let db: TestDatabase;
  let keys: TestKeys;
  let server: RunningServer;
  let port: number;

  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
    keys = await issueTestKeys(db.pool, 'demo');
    port = await freePort();
    server = await startOn(db, { PORT: String(port), SYNC_REPLAY_LIMIT: '500' });
  });
  afterAll(async () => {
    await server.stop();
    await db.drop();
  });

  const price = (sku: string, amount: string) => changePrice(db.pool, sku, amount);

  it('catches up what changed while the server was down, after it restarts', async () => {
    const [sku] = await demoSkus(db.pool, 1);
    const t = connectClient(server.url, { token: keys.terminal });
    try {
      await eventually('a synced client', () => t.client.status.state === 'online' && t.store.cursor() !== null);
      const before = await price(sku as string, '1.00');
      await eventually('the first change', () => t.store.applied.some((c) => c.seq === before));

      await server.stop();
      await eventually('offline', () => t.client.status.state === 'offline');
      const missed = [await price(sku as string, '2.00'), await price(sku as string, '3.00')];
      server = await startOn(db, { PORT: String(port), SYNC_REPLAY_LIMIT: '500' });

      await eventually('the changes made while down', () =>
        missed.every((s) => t.store.applied.some((c) => c.seq === s)),
      );
      const seqs = t.store.applied.map((c) => c.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
      expect(t.store.snapshotsCommitted).toHaveLength(1); // by sequence, not by a new snapshot
    } finally {
      await t.stop();
    }
  });

  it('sends a snapshot to a client behind the history kept, then continues by sequence', async () => {
    const [sku] = await demoSkus(db.pool, 1);
    const store = new MemorySyncStore();
    const t = connectClient(server.url, { token: keys.terminal, store });
    await eventually('synced', () => store.cursor() !== null);
    const stoppedAt = store.cursor() as number;
    await t.stop();

    for (let i = 0; i < 5; i++) await price(sku as string, `${i}.50`);
    const pruned = await db.pool.query<{ seq: string }>('SELECT max(seq)::text AS seq FROM events');
    await pruneEvents(db.pool, Number(pruned.rows[0]?.seq));

    const back = connectClient(server.url, { token: keys.terminal, store });
    try {
      await eventually('a second snapshot', () => store.snapshotsCommitted.length === 2);
      expect(store.snapshotsCommitted[1]?.asOf).toBeGreaterThan(stoppedAt);
      const after = await price(sku as string, '9.99');
      await eventually('the change after it', () => store.applied.some((c) => c.seq === after));
      expect(store.sections.get('products')).toHaveLength(2_415);
    } finally {
      await back.stop();
    }
  });

  it('sends a snapshot to a client further behind than replaying is worth', async () => {
    const store = new MemorySyncStore();
    const first = connectClient(server.url, { token: keys.terminal, store });
    await eventually('synced', () => store.cursor() !== null);
    await first.stop();
    await appendEvents(
      db.pool,
      Array.from({ length: 600 }, (_, i) => ({ storeId: 'demo', type: 'price.changed', payload: { i } })),
    );
    const back = connectClient(server.url, { token: keys.terminal, store });
    try {
      await eventually('a second snapshot', () => store.snapshotsCommitted.length === 2);
      expect(store.applied.filter((c) => c.payload.i !== undefined)).toHaveLength(0);
    } finally {
      await back.stop();
    }
  });

  it('starts over from a snapshot when the client has changes the server never had', async () => {
    const store = new MemorySyncStore({ cursor: 10_000_000 });
    const t = connectClient(server.url, { token: keys.terminal, store });
    const plans: string[] = [];
    t.transport.onPush((name, payload) => {
      if (name === 'welcome') plans.push((payload as { plan: { reason: string } }).plan.reason);
    });
    try {
      await eventually('a snapshot', () => store.snapshotsCommitted.length === 1);
      expect((store.cursor() as number) < 10_000_000).toBe(true);
      expect(plans[0]).toMatch(
        /has applied change #10000000 but the server's newest is #\d+: the server's data was replaced/,
      );
    } finally {
      await t.stop();
    }
  });

  it('pushes a change committed after an earlier one still in flight only after it, in order', async () => {
    const t = connectClient(server.url, { token: keys.terminal });
    try {
      await eventually('synced', () => t.client.status.state === 'online' && t.store.cursor() !== null);
      const slow = await db.pool.connect();
      await slow.query('BEGIN');
      const [slowSeq] = await appendEvents(slow, [{ storeId: 'demo', type: 'rule.upserted', payload: { id: 'r1' } }]);
      const fast = await price('X', '1.00');
      await new Promise((r) => setTimeout(r, 300));
      expect(t.store.applied.some((c) => c.seq === fast)).toBe(false);
      expect((t.store.cursor() as number) < Number(slowSeq)).toBe(true);
      await slow.query('COMMIT');
      slow.release();
      await eventually('both', () => t.store.applied.some((c) => c.seq === fast));
      const order = t.store.applied.filter((c) => c.seq === Number(slowSeq) || c.seq === fast).map((c) => c.seq);
      expect(order).toEqual([Number(slowSeq), fast]);
    } finally {
      await t.stop();
    }
  });
});
