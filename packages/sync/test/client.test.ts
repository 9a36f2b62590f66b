import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { handshakeFor, MemorySyncStore, type OutboxItem, SyncClient, type Transport } from '../src/index';
import { FaultyTransport, PUSH_FAULTS, REQUEST_FAULTS } from '../src/testing';
import { MemoryServer } from './support/memory-server';

const sale = (): OutboxItem => ({
  id: uuidv7(),
  kind: 'sale',
  terminalId: 'term_test',
  createdAt: Date.now(),
  payload: {
    soldAt: Date.now(),
    currency: 'USD',
    lines: [{ sku: 'A-1', qty: 1, unitPrice: '1.00', total: '1.00' }],
    subtotal: '1.00',
    tax: '0.00',
    total: '1.00',
    taxIncluded: true,
    rulesSnapshotId: null,
    payments: [],
  },
});

async function eventually(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const operation = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('append' as const), n: fc.integer({ min: 1, max: 15 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('push' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('restart' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('prune' as const), keep: fc.nat({ max: 30 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('sell' as const), n: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 20 }) }) },
);

describe('SyncClient against a hostile network (memory server)', () => {
  it('ends with every change applied once, in order, and an empty outbox', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          ops: fc.array(operation, { minLength: 5, maxLength: 40 }),
          requests: fc.array(fc.constantFrom(...REQUEST_FAULTS), { maxLength: 20 }),
          gapMs: fc.integer({ min: 0, max: 8 }),
          pushes: fc.array(fc.constantFrom(...PUSH_FAULTS), { maxLength: 20 }),
          pullLimit: fc.integer({ min: 1, max: 20 }),
          batchSize: fc.integer({ min: 1, max: 5 }),
          seed: fc.integer(),
        }),
        async ({ ops, requests, pushes, gapMs, pullLimit, batchSize, seed }) => {
          let state = seed >>> 0 || 1;
          const server = new MemoryServer(() => {
            state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
            return state / 2 ** 32;
          });
          const store = new MemorySyncStore();
          const connection = server.connection(handshakeFor({ token: 't', kind: 'terminal', store }));
          const transport = new FaultyTransport(connection, { requests, pushes, reconnectAfterMs: 5 });
          const client = new SyncClient({
            transport,
            store,
            kind: 'terminal',
            terminalId: 'term_test',
            requestTimeoutMs: 40,
            pullLimit,
            uploadBatchSize: batchSize,
            backoff: { baseMs: 2, maxMs: 20 },
            uploadBackoff: { baseMs: 2, maxMs: 20 },
            clockRefreshMs: 60_000,
          });
          let sinceSnapshot = 0;
          client.on('snapshot', () => {
            sinceSnapshot = store.applied.length;
          });
          const sold: string[] = [];
          client.start();
          try {
            await eventually('the first snapshot', () => store.cursor() !== null);
            for (const op of ops) {
              switch (op.op) {
                case 'append':
                  server.append(op.n);
                  break;
                case 'push':
                  server.push();
                  break;
                case 'drop':
                  connection.drop('transport close');
                  break;
                case 'restart':
                  server.restart();
                  break;
                case 'prune':
                  server.prunedThrough = Math.max(server.prunedThrough, server.head - op.keep);
                  break;
                case 'sell':
                  for (let i = 0; i < op.n; i++) {
                    const item = sale();
                    sold.push(item.id);
                    store.add(item.id, item);
                  }
                  client.kickOutbox();
                  break;
                case 'wait':
                  await new Promise((res) => setTimeout(res, op.ms));
                  break;
              }
              // Let messages move between operations, as they would on a network.
              await new Promise((res) => setTimeout(res, gapMs));
            }
            transport.heal();
            server.push();
            await eventually(
              'the client to be current with an empty outbox',
              () => store.cursor() === server.head && store.pendingCount === 0,
            );
            await client.settledFeed();

            const seqs = store.applied.map((c) => c.seq);
            expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
            const asOf = store.snapshotsCommitted.at(-1)?.asOf ?? 0;
            expect(store.applied.slice(sinceSnapshot).map((c) => c.seq)).toEqual(
              server.feed.filter((c) => c.seq > asOf).map((c) => c.seq),
            );
            for (const id of sold) {
              expect(server.applied.get(id)).toBe(1);
              expect(['accepted', 'duplicate']).toContain(store.results.get(id)?.status);
            }
          } finally {
            await client.stop();
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);
});

describe('catching up across a lost connection', () => {
  it('waits for the connection instead of reporting a failure, and finishes after the next welcome', async () => {
    const server = new MemoryServer(() => 0);
    server.append(40);
    const store = new MemorySyncStore({ cursor: 0 });
    const connection = server.connection(handshakeFor({ token: 't', kind: 'terminal', store }));
    // The connection drops while the second page of catch-up is on its way; Socket.IO then reconnects.
    let pulls = 0;
    const transport: Transport = {
      connect: () => connection.connect(),
      disconnect: () => connection.disconnect(),
      get connected() {
        return connection.connected;
      },
      onPush: (listener) => connection.onPush(listener),
      onStatus: (listener) => connection.onStatus(listener),
      request: (name, payload, timeoutMs) => {
        if (name === 'sync.pull' && ++pulls === 2) connection.drop('transport close');
        return connection.request(name, payload, timeoutMs);
      },
    };
    const client = new SyncClient({
      transport,
      store,
      kind: 'terminal',
      terminalId: 'term_test',
      pullLimit: 10,
      requestTimeoutMs: 200,
      backoff: { baseMs: 2, maxMs: 20 },
      clockRefreshMs: 60_000,
    });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(`${e.kind}: ${e.message}`));
    const states: string[] = [];
    client.on('status', (s) => states.push(s.state));
    client.start();
    try {
      await eventually('the client to be current', () => store.cursor() === server.head);
      expect(pulls).toBeGreaterThan(2);
      expect(states).toContain('offline');
      expect(errors).toEqual([]);
    } finally {
      await client.stop();
    }
  });
});
