import { MemorySyncStore, type OutboxItem } from '@till/sync';
import { type FaultPlan, FaultyTransport, PUSH_FAULTS, REQUEST_FAULTS } from '@till/sync/testing';
import fc from 'fast-check';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server';
import { createTestDatabase, freePort, issueTestKeys, startTestServer, type TestServer } from '../support';
import {
  changePrice,
  connectClient,
  demoSkus,
  type Enrolled,
  enrollTerminal,
  eventually,
  FAST_SYNC_ENV,
  saleItem,
  salePayload,
  startOn,
} from './support';

/**
 * Sync under a hostile network, in the spirit of Actual Budget's adversarial tests but
 * switched on: replies dropped, requests duplicated and delayed past their timeout
 * (reordered), connections cut in the middle of an upload, pushes dropped, duplicated
 * and reordered; poison items in the outbox; two processes with one terminal's identity.
 * After the network heals, the server must hold every sale exactly once and the outbox
 * must be empty.
 */

type Poison = 'malformed' | 'other-terminal' | 'unknown-sku' | 'absurd-quantity';
const POISONS: Poison[] = ['malformed', 'other-terminal', 'unknown-sku', 'absurd-quantity'];

function poisonItem(kind: Poison, terminalId: string, sku: string): OutboxItem {
  const base = saleItem(terminalId, [{ sku, qty: 1, price: '2.00' }]);
  switch (kind) {
    case 'malformed':
      return { ...base, payload: { ...base.payload, lines: [] } } as unknown as OutboxItem;
    case 'other-terminal':
      return { ...base, terminalId: 'term_somebody-else' };
    case 'unknown-sku':
      return saleItem(terminalId, [{ sku: 'NO-SUCH-SKU', qty: 1, price: '2.00' }]);
    case 'absurd-quantity': // valid lines, but more units of one SKU than a sale may take
      return {
        ...base,
        payload: salePayload(Array.from({ length: 11 }, () => ({ sku, qty: 100_000, price: '0.00' }))),
      } as OutboxItem;
  }
}

interface Outbox {
  store: MemorySyncStore;
  sales: OutboxItem[];
  poisons: OutboxItem[];
}

function fillOutbox(terminal: Enrolled, skus: string[], count: number, poisonAt: Array<[number, Poison]>): Outbox {
  const store = new MemorySyncStore();
  const sales: OutboxItem[] = [];
  const poisons: OutboxItem[] = [];
  for (let i = 0; i < count; i++) {
    for (const [at, kind] of poisonAt) {
      if (at === i) {
        const poison = poisonItem(kind, terminal.terminalId, skus[i % skus.length] as string);
        poisons.push(poison);
        store.add(`poison-${poisons.length}`, poison);
      }
    }
    const sale = saleItem(terminal.terminalId, [
      { sku: skus[i % skus.length] as string, qty: 1 + (i % 3), price: '4.25' },
      { sku: skus[(i * 7 + 3) % skus.length] as string, qty: 1, price: '1.10' },
    ]);
    sales.push(sale);
    store.add(`sale-${i}`, sale);
  }
  return { store, sales, poisons };
}

async function expectExactlyOnce(server: { db: { pool: pg.Pool } }, outbox: Outbox): Promise<void> {
  const ids = outbox.sales.map((s) => s.id);
  const { rows } = await server.db.pool.query<{ id: string; n: number; status: string; movements: number }>(
    `SELECT u.id::text, count(s.id)::int AS n, u.status,
            (SELECT count(*)::int FROM stock_movements m WHERE m.source_id = u.id::text) AS movements
     FROM terminal_uploads u LEFT JOIN pos_sales s ON s.id = u.id
     WHERE u.id = ANY($1::uuid[]) GROUP BY u.id, u.status`,
    [ids],
  );
  expect(rows).toHaveLength(ids.length);
  for (const row of rows) {
    expect(row.n).toBe(1);
    expect(['accepted', 'stock_discrepancy']).toContain(row.status);
    const sale = outbox.sales.find((s) => s.id === row.id) as Extract<OutboxItem, { kind: 'sale' }>;
    expect(row.movements).toBe(new Set(sale.payload.lines.map((l) => l.sku)).size);
  }
  const events = await server.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM events WHERE type = 'sale.recorded' AND payload->>'saleId' = ANY($1::text[])`,
    [ids],
  );
  expect(events.rows[0]?.n).toBe(ids.length);
  expect(outbox.store.pendingCount).toBe(0);
  for (const [local, result] of outbox.store.results) {
    if (local.startsWith('poison')) {
      expect(result.status === 'rejected' || (result.status === 'duplicate' && result.original === 'rejected')).toBe(
        true,
      );
      expect(result.reason).toBeTruthy();
    } else {
      expect(['accepted', 'stock_discrepancy', 'duplicate']).toContain(result.status);
    }
  }
}

describe('sync under faults (real PostgreSQL and Socket.IO)', () => {
  let server: TestServer;
  let skus: string[];

  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: FAST_SYNC_ENV });
    skus = await demoSkus(server.db.pool, 40, 200);
  });
  afterAll(() => server.stop());

  it('holds every sale exactly once and applies every change once, for random fault schedules', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          sales: fc.integer({ min: 3, max: 20 }),
          poisonAt: fc.array(fc.tuple(fc.nat({ max: 19 }), fc.constantFrom(...POISONS)), { maxLength: 3 }),
          requests: fc.array(fc.constantFrom(...REQUEST_FAULTS), { maxLength: 10 }),
          pushes: fc.array(fc.constantFrom(...PUSH_FAULTS), { maxLength: 10 }),
          batchSize: fc.integer({ min: 1, max: 8 }),
          priceChanges: fc.integer({ min: 0, max: 4 }),
        }),
        async (scenario) => {
          run++;
          const terminal = await enrollTerminal(server, `Fault run ${run}`);
          const outbox = fillOutbox(terminal, skus, scenario.sales, scenario.poisonAt);
          let faulty: FaultyTransport | undefined;
          const plan: FaultPlan = { requests: scenario.requests, pushes: scenario.pushes, reconnectAfterMs: 50 };
          const t = connectClient(server.url, {
            token: terminal.token,
            terminalId: terminal.terminalId,
            store: outbox.store,
            uploadBatchSize: scenario.batchSize,
            requestTimeoutMs: 700,
            wrap: (inner) => {
              faulty = new FaultyTransport(inner, plan);
              return faulty;
            },
          });
          try {
            await eventually('the snapshot', () => outbox.store.snapshotsCommitted.length > 0, 60_000);
            const priceSeqs: number[] = [];
            for (let i = 0; i < scenario.priceChanges; i++) {
              priceSeqs.push(await changePrice(server.db.pool, skus[i] as string, `${10 + i}.00`));
            }
            await eventually(
              'the outbox to empty and the faults to be used up',
              () => outbox.store.pendingCount === 0 && faulty?.exhausted,
              60_000,
            );
            await eventually(
              'every price change',
              () => priceSeqs.every((seq) => outbox.store.applied.some((c) => c.seq === seq)),
              30_000,
            );
            await expectExactlyOnce(server, outbox);
            const seqs = outbox.store.applied.map((c) => c.seq);
            expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b)); // each once, in order
          } catch (error) {
            throw new Error(`${(error as Error).message}\nfaults: ${faulty?.log.join(' | ')}`);
          } finally {
            await t.stop();
          }
        },
      ),
      { numRuns: 12, endOnFailure: true },
    );
  }, 600_000);

  it('does not let a poison item block the items behind it', async () => {
    const terminal = await enrollTerminal(server, 'Poison');
    const store = new MemorySyncStore();
    const before = saleItem(terminal.terminalId, [{ sku: skus[0] as string, qty: 1, price: '1.00' }]);
    const after = saleItem(terminal.terminalId, [{ sku: skus[1] as string, qty: 1, price: '1.00' }]);
    store.add('1', before);
    store.add('2', { not: 'a command' });
    store.add('3', poisonItem('unknown-sku', terminal.terminalId, skus[0] as string));
    store.add('4', after);
    const t = connectClient(server.url, {
      token: terminal.token,
      terminalId: terminal.terminalId,
      store,
      uploadBatchSize: 1,
    });
    try {
      await eventually('outbox empty', () => store.pendingCount === 0);
      expect(store.results.get('1')?.status).toBe('accepted');
      expect(store.results.get('2')).toMatchObject({ status: 'rejected', id: null });
      expect(store.results.get('2')?.reason).toMatch(/^malformed: /);
      expect(store.results.get('3')).toMatchObject({
        status: 'rejected',
        reason: 'SKU NO-SUCH-SKU not in the catalog',
      });
      expect(store.results.get('4')?.status).toBe('accepted');
      const alerts = await server.db.pool.query(
        `SELECT payload->>'reason' AS reason FROM events WHERE type = 'alert.upload_rejected' AND payload->>'terminalId' = $1`,
        [terminal.terminalId],
      );
      expect(alerts.rows).toHaveLength(2);
    } finally {
      await t.stop();
    }
  });

  it('sets aside an item that fails for no fault of its own, retries it, and rejects it after a few attempts', async () => {
    const terminal = await enrollTerminal(server, 'Flaky');
    // A server-side failure that is not about the content (raise_exception, not a data error).
    await server.db.pool.query(`
      CREATE FUNCTION test_flaky_sale() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.total = 13.37 THEN RAISE EXCEPTION 'the server tripped over this sale' USING ERRCODE = 'P0001'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_flaky_sale BEFORE INSERT ON pos_sales FOR EACH ROW EXECUTE FUNCTION test_flaky_sale();`);
    const store = new MemorySyncStore();
    const flaky = {
      ...saleItem(terminal.terminalId, [{ sku: skus[2] as string, qty: 1, price: '13.37' }]),
    } as OutboxItem;
    const payload = (flaky as Extract<OutboxItem, { kind: 'sale' }>).payload;
    Object.assign(payload, { tax: '0.00', total: '13.37', payments: [] });
    store.add('flaky', flaky);
    store.add('fine', saleItem(terminal.terminalId, [{ sku: skus[3] as string, qty: 1, price: '1.00' }]));
    const t = connectClient(server.url, {
      token: terminal.token,
      terminalId: terminal.terminalId,
      store,
      uploadBatchSize: 1,
      uploadItemBackoff: { baseMs: 20, maxMs: 50 },
    });
    try {
      await eventually('the fine sale', () => store.results.get('fine')?.status === 'accepted');
      await eventually('the flaky sale to be given up on', () => store.results.has('flaky'), 20_000);
      expect(store.results.get('flaky')).toMatchObject({ status: 'rejected' });
      expect(store.results.get('flaky')?.reason).toMatch(/after 5 attempts: the server tripped over this sale/);
    } finally {
      await t.stop();
      await server.db.pool.query('DROP TRIGGER test_flaky_sale ON pos_sales; DROP FUNCTION test_flaky_sale();');
    }
  });

  it('applies each sale once when two processes run as the same terminal with the same outbox', async () => {
    const terminal = await enrollTerminal(server, 'Twice');
    const outbox = fillOutbox(terminal, skus, 40, []);
    const copy = new MemorySyncStore();
    outbox.sales.forEach((s, i) => {
      copy.add(`sale-${i}`, s);
    });
    const a = connectClient(server.url, {
      token: terminal.token,
      terminalId: terminal.terminalId,
      store: outbox.store,
      uploadBatchSize: 7,
      instance: 'a',
    });
    const b = connectClient(server.url, {
      token: terminal.token,
      terminalId: terminal.terminalId,
      store: copy,
      uploadBatchSize: 3,
      instance: 'b',
    });
    try {
      await eventually('both outboxes empty', () => outbox.store.pendingCount === 0 && copy.pendingCount === 0);
      await expectExactlyOnce(server, outbox);
      for (const sale of outbox.sales) {
        const local = `sale-${outbox.sales.indexOf(sale)}`;
        const results = [outbox.store.results.get(local)?.status, copy.results.get(local)?.status];
        expect(results.filter((s) => s === 'duplicate')).toHaveLength(1);
      }
      const report = await a.client.report();
      expect(report.counts.accepted + report.counts.stock_discrepancy).toBe(40);
      expect(report.duplicatesReceived).toBe(40);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('survives the connection breaking in the middle of uploads, again and again', async () => {
    const terminal = await enrollTerminal(server, 'Cut');
    const outbox = fillOutbox(terminal, skus, 12, []);
    let faulty: FaultyTransport | undefined;
    const t = connectClient(server.url, {
      token: terminal.token,
      terminalId: terminal.terminalId,
      uploadBatchSize: 4,
      store: outbox.store,
      wrap: (inner) => {
        faulty = new FaultyTransport(inner, {
          requests: ['disconnect', 'disconnect', 'drop-reply', 'disconnect'],
          pushes: [],
          only: ['outbox.submit'],
          reconnectAfterMs: 30,
        });
        return faulty;
      },
    });
    try {
      await eventually('outbox empty', () => outbox.store.pendingCount === 0 && faulty?.exhausted);
      await expectExactlyOnce(server, outbox);
      expect(faulty?.log.filter((l) => l.endsWith('disconnect'))).toHaveLength(3);
    } finally {
      await t.stop();
    }
  });

  it('refuses a command id used by another terminal', async () => {
    const one = await enrollTerminal(server, 'One');
    const two = await enrollTerminal(server, 'Two');
    const id = uuidv7();
    const first = { ...saleItem(one.terminalId, [{ sku: skus[5] as string, qty: 1, price: '1.00' }]), id };
    const second = { ...saleItem(two.terminalId, [{ sku: skus[5] as string, qty: 1, price: '1.00' }]), id };
    const a = connectClient(server.url, { token: one.token, terminalId: one.terminalId });
    const b = connectClient(server.url, { token: two.token, terminalId: two.terminalId });
    try {
      a.store.add('x', first);
      a.client.kickOutbox();
      await eventually('first', () => a.store.results.get('x')?.status === 'accepted');
      b.store.add('x', second);
      b.client.kickOutbox();
      await eventually('second', () => b.store.results.has('x'));
      expect(b.store.results.get('x')).toMatchObject({ status: 'rejected' });
      expect(b.store.results.get('x')?.reason).toMatch(/already used by a command of another terminal/);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('a store server restarting in the middle of an upload', () => {
  it('holds every sale exactly once when the server stops between batches and comes back', async () => {
    const db = await createTestDatabase({ demo: true });
    const port = await freePort();
    let server: RunningServer = await startOn(db, { PORT: String(port) });
    try {
      const keys = await issueTestKeys(db.pool, 'demo');
      const terminal = await enrollTerminal({ url: server.url, keys }, 'Restart');
      const outbox = fillOutbox(terminal, await demoSkus(db.pool, 40, 200), 400, [[120, 'unknown-sku']]);
      let stopping: Promise<void> | undefined;
      let pendingAtStop = 0;
      const t = connectClient(server.url, {
        token: terminal.token,
        terminalId: terminal.terminalId,
        store: outbox.store,
        uploadBatchSize: 10,
      });
      t.client.on('settled', () => {
        if (!stopping && outbox.store.results.size >= 50) {
          pendingAtStop = outbox.store.pendingCount;
          stopping = server.stop(); // while the next batch is on its way
        }
      });
      try {
        await eventually('the server to be stopping', () => stopping !== undefined, 30_000);
        await stopping;
        server = await startOn(db, { PORT: String(port) });
        await eventually('the outbox to empty', () => outbox.store.pendingCount === 0, 60_000);
        expect(pendingAtStop).toBeGreaterThan(0);
        await expectExactlyOnce({ db }, outbox);
      } finally {
        await t.stop();
      }
    } finally {
      await server.stop();
      await db.drop();
    }
  }, 120_000);
});
