import type { OutboxItem, ReconciliationReport } from '@till/sync';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents } from '../../src/db/events';
import { inTransaction } from '../../src/db/pool';
import { startTestServer, type TestServer } from '../support';
import {
  connectClient,
  demoSkus,
  type Enrolled,
  enrollTerminal,
  enrollTerminalWithCode,
  eventually,
  FAST_SYNC_ENV,
  returnItem,
  saleItem,
  type TestClient,
} from './support';

describe('uploads: sales, returns, cash counts and their reconciliation', () => {
  let server: TestServer;
  let terminal: Enrolled;
  let t: TestClient;

  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: FAST_SYNC_ENV });
    terminal = await enrollTerminal(server, 'Till 7');
    t = connectClient(server.url, { token: terminal.token, terminalId: terminal.terminalId });
    await eventually('online', () => t.client.status.state === 'online');
  });
  afterAll(async () => {
    await t.stop();
    await server.stop();
  });

  async function upload(id: string, item: OutboxItem) {
    t.store.add(id, item);
    t.client.kickOutbox();
    return eventually(`the result of ${id}`, () => t.store.results.get(id));
  }

  const events = async (type: string, key: string, value: string) =>
    (
      await server.db.pool.query<{ payload: Record<string, unknown> }>(
        `SELECT payload FROM events WHERE type = $1 AND payload->>$2 = $3 ORDER BY seq`,
        [type, key, value],
      )
    ).rows.map((r) => r.payload);

  it('lets a sale beyond the stock stand, reports the discrepancy and alerts the manager', async () => {
    const [sku] = await demoSkus(server.db.pool, 1, 1);
    const { rows } = await server.db.pool.query<{ available: number }>(
      `SELECT (received - sold - held)::int AS available FROM stock_levels WHERE store_id = 'demo' AND sku = $1`,
      [sku],
    );
    const available = rows[0]?.available as number;
    const item = saleItem(terminal.terminalId, [{ sku: sku as string, qty: available + 3, price: '2.00' }]);
    const result = await upload('oversold', item);
    expect(result).toMatchObject({
      status: 'stock_discrepancy',
      stock: [{ sku, qty: available + 3, available }],
    });
    const alerts = await events('alert.stock_discrepancy', 'saleId', item.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.message).toMatch(/sold .* while offline: count the shelf/);
    const level = await server.db.pool.query(`SELECT received - sold AS on_hand FROM stock_levels WHERE sku = $1`, [
      sku,
    ]);
    expect(Number(level.rows[0].on_hand)).toBe(-3); // the goods are gone: on hand went below zero
  });

  it('records a return, puts restocked goods back, and says whether the sale is known', async () => {
    const [sku] = await demoSkus(server.db.pool, 1);
    const sale = saleItem(terminal.terminalId, [{ sku: sku as string, qty: 2, price: '3.00' }]);
    await upload('sold', sale);
    const before = await server.db.pool.query(`SELECT received::int FROM stock_levels WHERE sku = $1`, [sku]);
    const ret = returnItem(terminal.terminalId, sale.id, [{ sku: sku as string, qty: 1, refund: '3.00' }], {
      reason: 'wrong size',
    });
    expect(await upload('returned', ret)).toMatchObject({ status: 'accepted' });
    const after = await server.db.pool.query(`SELECT received::int FROM stock_levels WHERE sku = $1`, [sku]);
    expect(after.rows[0].received).toBe(before.rows[0].received + 1);
    expect(await events('return.recorded', 'returnId', ret.id)).toEqual([
      expect.objectContaining({ saleId: sale.id, saleKnown: true, refundTotal: '3.00', restock: true }),
    ]);

    const unknownSale = { ...ret, id: uuidv7(), payload: { ...ret.payload, saleId: uuidv7(), restock: false } };
    expect(await upload('returned-elsewhere', unknownSale as OutboxItem)).toMatchObject({ status: 'accepted' });
    expect(await events('return.recorded', 'returnId', unknownSale.id)).toEqual([
      expect.objectContaining({ saleKnown: false, restock: false }),
    ]);
  });

  it('applies a return after its sale when both come in one batch, though commands run side by side', async () => {
    const [sku] = await demoSkus(server.db.pool, 1);
    const sales = Array.from({ length: 6 }, () =>
      saleItem(terminal.terminalId, [{ sku: sku as string, qty: 1, price: '1.00' }]),
    );
    const returns = sales.map((sale) =>
      returnItem(terminal.terminalId, sale.id, [{ sku: sku as string, qty: 1, refund: '1.00' }], { restock: false }),
    );
    sales.forEach((sale, i) => {
      t.store.add(`batch-sale-${i}`, sale);
      t.store.add(`batch-return-${i}`, returns[i]);
    });
    t.client.kickOutbox();
    await eventually('all settled', () => returns.every((_, i) => t.store.results.has(`batch-return-${i}`)));
    for (const ret of returns) {
      expect(await events('return.recorded', 'returnId', ret.id)).toEqual([
        expect.objectContaining({ saleKnown: true }),
      ]);
    }
  });

  it('records a cash count and alerts on a difference', async () => {
    const count = (counted: string, expected: string | null): OutboxItem => ({
      id: uuidv7(),
      kind: 'cash_count',
      terminalId: terminal.terminalId,
      createdAt: Date.now(),
      payload: { countedAt: Date.now(), currency: 'USD', drawerId: 'drawer-1', kind: 'close', counted, expected },
    });
    const even = count('250.00', '250.00');
    const short = count('245.50', '250.00');
    expect(await upload('even', even)).toMatchObject({ status: 'accepted' });
    expect(await upload('short', short)).toMatchObject({ status: 'accepted' });
    expect(await events('alert.cash_difference', 'countId', even.id)).toEqual([]);
    expect(await events('alert.cash_difference', 'countId', short.id)).toEqual([
      expect.objectContaining({ difference: '-4.5', drawerId: 'drawer-1' }),
    ]);
  });

  it('records a no-sale drawer opening with who and why, tells the manager, and shows it in the report', async () => {
    const opening = t.client.makeOutboxItem('drawer_open', {
      openedAt: Date.now(),
      cashier: 'Ana',
      reason: 'change for the float',
    });
    expect(await upload('drawer', opening)).toMatchObject({ status: 'accepted', id: opening.id });
    const stored = await server.db.pool.query(
      `SELECT terminal_id, cashier, reason FROM drawer_openings WHERE id = $1`,
      [opening.id],
    );
    expect(stored.rows).toEqual([{ terminal_id: terminal.terminalId, cashier: 'Ana', reason: 'change for the float' }]);
    expect(await events('drawer.opened', 'openingId', opening.id)).toEqual([
      expect.objectContaining({ terminalId: terminal.terminalId, cashier: 'Ana', reason: 'change for the float' }),
    ]);
    const report = await t.client.report(100);
    expect(report.items.find((i) => i.id === opening.id)).toMatchObject({ kind: 'drawer_open', status: 'accepted' });

    // Without a reason it is not one: the terminal cannot make it, and the server refuses it alone.
    expect(() => t.client.makeOutboxItem('drawer_open', { openedAt: Date.now(), cashier: 'Ana', reason: ' ' })).toThrow(
      /reason: a drawer opened without a sale needs a reason/,
    );
    const bare = { ...opening, id: uuidv7(), payload: { openedAt: Date.now(), cashier: 'Ana' } };
    const refused = await upload('drawer-without-reason', bare as unknown as OutboxItem);
    expect(refused).toMatchObject({ status: 'rejected', id: bare.id });
    expect(refused?.reason).toMatch(/^malformed: payload\.reason/);
  });

  it('gives a reconciliation report to the terminal and the manager, and to no other terminal', async () => {
    const report = (await (
      await server.request(`/v1/terminals/${terminal.terminalId}/reconciliation`, { role: 'manager' })
    ).json()) as ReconciliationReport;
    expect(report.terminalId).toBe(terminal.terminalId);
    expect(report.name).toBe('Till 7');
    expect(report.counts.stock_discrepancy).toBeGreaterThanOrEqual(1);
    expect(report.items.find((i) => i.status === 'stock_discrepancy')?.stock?.[0]?.sku).toBeTruthy();

    const own = await fetch(`${server.url}/v1/terminals/${terminal.terminalId}/reconciliation`, {
      headers: { authorization: `Bearer ${terminal.token}` },
    });
    expect(own.status).toBe(200);
    const other = await enrollTerminal(server, 'Till 8');
    const foreign = await fetch(`${server.url}/v1/terminals/${terminal.terminalId}/reconciliation`, {
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(foreign.status).toBe(403);
    const overSocket = await t.client.report(10);
    expect(overSocket.counts).toEqual(report.counts);
  });

  it('writes every upload with its events in one transaction: a sale and its events commit together', async () => {
    const [sku] = await demoSkus(server.db.pool, 1);
    const item = saleItem(terminal.terminalId, [{ sku: sku as string, qty: 1, price: '1.00' }]);
    await upload('together', item);
    const { rows } = await server.db.pool.query(
      `SELECT (SELECT count(*)::int FROM pos_sales WHERE id = $1) AS sales,
              (SELECT count(*)::int FROM stock_movements WHERE source_id = $1::text) AS movements,
              (SELECT count(*)::int FROM events WHERE type = 'sale.recorded' AND payload->>'saleId' = $1::text) AS recorded,
              (SELECT count(*)::int FROM events WHERE type = 'stock.sold_offline' AND payload->>'saleId' = $1::text) AS sold`,
      [item.id],
    );
    expect(rows[0]).toEqual({ sales: 1, movements: 1, recorded: 1, sold: 1 });
  });
});

describe('enrollment', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: FAST_SYNC_ENV });
  });
  afterAll(() => server.stop());

  const makeCode = async (body: Record<string, unknown>) =>
    server.request('/v1/terminals/enrollment-codes', { role: 'manager', method: 'POST', body: JSON.stringify(body) });

  it('makes a code that works once, then lists the terminal', async () => {
    const made = await makeCode({ name: 'Front till' });
    expect(made.status).toBe(201);
    const { code, expiresAt } = await made.json();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const enrolled = await enrollTerminalWithCode(server.url, code.toLowerCase().replaceAll('-', ' '));
    expect(enrolled).toMatchObject({
      storeId: 'demo',
      name: 'Front till',
      terminalId: expect.stringMatching(/^term_/),
    });
    const again = await server.request('/v1/terminals/enroll', {
      role: null,
      method: 'POST',
      body: JSON.stringify({ code }),
    });
    expect(again.status).toBe(409);
    expect((await again.json()).error).toMatchObject({ code: 'ENROLLMENT_CODE_USED' });
    const list = await (await server.request('/v1/terminals', { role: 'manager' })).json();
    expect(list.items).toContainEqual(
      expect.objectContaining({ id: enrolled.terminalId, name: 'Front till', online: false }),
    );
    const stored = await server.db.pool.query(
      `SELECT key_hash FROM api_keys k JOIN terminals t ON t.api_key_id = k.id WHERE t.id = $1`,
      [enrolled.terminalId],
    );
    expect(stored.rows[0].key_hash.toString('utf8')).not.toContain(enrolled.token); // only the hash is kept
  });

  it('refuses an unknown or expired code, and anyone but a manager making codes', async () => {
    const unknown = await server.request('/v1/terminals/enroll', {
      role: null,
      method: 'POST',
      body: JSON.stringify({ code: 'AAAA-BBBB-CCCC' }),
    });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.code).toBe('ENROLLMENT_CODE_UNKNOWN');
    const { code } = await (await makeCode({ name: 'Late till', expiresInMinutes: 1 })).json();
    await server.db.pool.query(`UPDATE terminal_enrollment_codes SET expires_at = now() - interval '1 second'`);
    const expired = await server.request('/v1/terminals/enroll', {
      role: null,
      method: 'POST',
      body: JSON.stringify({ code }),
    });
    expect(expired.status).toBe(410);
    const byTerminal = await server.request('/v1/terminals/enrollment-codes', {
      role: 'terminal',
      method: 'POST',
      body: JSON.stringify({ name: 'x' }),
    });
    expect(byTerminal.status).toBe(403);
    const bad = await makeCode({ name: '' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('VALIDATION_FAILED');
  });

  it('coalesces a hot SKU: a thousand stock changes reach a terminal as a few batches ending at the newest level', async () => {
    const t = connectClient(server.url, { token: server.keys.terminal });
    try {
      await eventually('synced', () => t.client.status.state === 'online' && t.store.cursor() !== null);
      let batches = 0;
      t.transport.onPush((name, payload) => {
        const changes = (payload as { changes?: Array<{ type: string; payload: { sku?: string } }> }).changes ?? [];
        if (name === 'changes' && changes.some((c) => c.payload.sku === 'HOT-1')) batches++;
      });
      const started = Date.now();
      for (let i = 1; i <= 1_000; i += 50) {
        await inTransaction(server.db.pool, (client) =>
          appendEvents(
            client,
            Array.from({ length: 50 }, (_, k) => ({
              storeId: 'demo',
              type: 'stock.changed',
              payload: { storeId: 'demo', sku: 'HOT-1', available: 100_000 - (i + k) },
            })),
          ),
        );
      }
      const elapsed = Date.now() - started;
      await eventually('the newest level', () =>
        t.store.applied.some((c) => c.type === 'stock.changed' && c.payload.available === 100_000 - 1_000),
      );
      const hot = t.store.applied.filter((c) => c.payload.sku === 'HOT-1');
      // At most one batch per coalescing interval (50 ms here) while writing, plus the last one.
      const bound = Math.ceil(elapsed / 50) + 3;
      expect(batches).toBeLessThanOrEqual(bound);
      expect(hot.length).toBeLessThanOrEqual(bound);
      expect(hot.at(-1)?.payload.available).toBe(100_000 - 1_000);
    } finally {
      await t.stop();
    }
  });
});
