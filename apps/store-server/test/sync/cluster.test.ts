import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { MemorySyncStore } from '@till/sync';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server';
import { createTestDatabase, freePort, issueTestKeys, redisUrl, type TestDatabase, type TestKeys } from '../support';
import { changePrice, connectClient, demoSkus, enrollTerminal, eventually, saleItem, startOn } from './support';

/** One address in front of several instances, like a load balancer: switching drops open connections. */
async function balancer(target: () => number): Promise<{ url: string; port: number; dropAll(): void; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target(), '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const leaderOf = (servers: RunningServer[]) => servers.filter((s) => s.app.realtime.publisher.leading);

describe.skipIf(!redisUrl())('two store-server instances behind one address (Redis streams adapter)', () => {
  let db: TestDatabase;
  let keys: TestKeys;
  const stream = `till:test:sync:${randomBytes(6).toString('hex')}`;
  let a: RunningServer;
  let b: RunningServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
    keys = await issueTestKeys(db.pool, 'demo');
    env = { REDIS_URL: redisUrl() as string, SYNC_REDIS_STREAM: stream };
    a = await startOn(db, env);
    b = await startOn(db, env);
  });
  afterAll(async () => {
    await Promise.allSettled([a.stop(), b.stop()]);
    await db.drop();
    const redis = new Redis(redisUrl() as string);
    await redis.del(stream);
    redis.disconnect();
  });

  it('has one publisher, and a change made through it reaches clients of the other instance', async () => {
    await eventually('one publisher', () => leaderOf([a, b]).length === 1);
    const [publisher] = leaderOf([a, b]) as [RunningServer];
    const other = publisher === a ? b : a;
    const terminal = await enrollTerminal({ url: publisher.url, keys });
    // Clients of the instance that does not publish get pushes only through Redis.
    const onA = connectClient(publisher.url, { token: terminal.token, terminalId: terminal.terminalId });
    const dashboardOnB = connectClient(other.url, { token: keys.manager, kind: 'dashboard' });
    const terminalOnB = connectClient(other.url, { token: keys.terminal });
    const pushedToB: string[] = [];
    dashboardOnB.transport.onPush((name, payload) => {
      if (name !== 'changes') return;
      for (const c of (payload as { changes: Array<{ type: string; payload: { saleId?: string } }> }).changes) {
        if (c.type === 'sale.recorded' && c.payload.saleId) pushedToB.push(c.payload.saleId);
      }
    });
    try {
      for (const c of [onA, dashboardOnB, terminalOnB]) {
        await eventually('synced', () => c.client.status.state === 'online' && c.store.cursor() !== null);
      }
      const [sku] = await demoSkus(db.pool, 1);
      const sale = saleItem(terminal.terminalId, [{ sku: sku as string, qty: 1, price: '5.00' }]);
      onA.store.add('s', sale);
      onA.client.kickOutbox(); // uploaded through the publishing instance
      await eventually('accepted', () => onA.store.results.get('s')?.status === 'accepted');
      await eventually('the sale on the dashboard of the other instance', () =>
        dashboardOnB.store.applied.some((c) => c.type === 'sale.recorded' && c.payload.saleId === sale.id),
      );
      await eventually('the new stock level on the terminal of the other instance', () =>
        terminalOnB.store.applied.some((c) => c.type === 'stock.changed' && c.payload.sku === sku),
      );
      expect(pushedToB).toContain(sale.id); // pushed through Redis, not fetched by a pull
      expect(terminalOnB.store.applied.some((c) => c.type === 'sale.recorded')).toBe(false); // not for terminals
    } finally {
      await Promise.all([onA.stop(), dashboardOnB.stop(), terminalOnB.stop()]);
    }
  });

  it('keeps clients current when the publishing instance goes away, and catches up a client that moves', async () => {
    const [publisher] = leaderOf([a, b]) as [RunningServer];
    const other = publisher === a ? b : a;
    let target = publisher.app.server.address() as net.AddressInfo;
    const front = await balancer(() => target.port);
    const store = new MemorySyncStore();
    const moving = connectClient(front.url, { token: keys.terminal, store });
    try {
      await eventually('synced through the balancer', () => store.cursor() !== null);
      const [sku] = await demoSkus(db.pool, 1);
      const first = await changePrice(db.pool, sku as string, '1.00');
      await eventually('the first change', () => store.applied.some((c) => c.seq === first));
      const snapshots = store.snapshotsCommitted.length;

      // The balancer sends new connections to the other instance; the publisher stops.
      target = other.app.server.address() as net.AddressInfo;
      front.dropAll();
      await publisher.stop();
      const missed = await changePrice(db.pool, sku as string, '2.00'); // while the client moves
      await eventually(
        'the other instance to take over publishing',
        () => other.app.realtime.publisher.leading,
        10_000,
      );
      await eventually('the change made while moving', () => store.applied.some((c) => c.seq === missed), 15_000);
      const live = await changePrice(db.pool, sku as string, '3.00');
      await eventually('a live change', () => store.applied.some((c) => c.seq === live), 15_000);
      expect(store.snapshotsCommitted).toHaveLength(snapshots); // by sequence, no new snapshot
      const seqs = store.applied.map((c) => c.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    } finally {
      await moving.stop();
      front.close();
    }
  });
});
