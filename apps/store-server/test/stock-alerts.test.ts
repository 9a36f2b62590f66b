import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverLowStockAlerts, MAX_WEBHOOK_ATTEMPTS, webhookBackoffMs } from '../src/jobs/low-stock-webhook';
import { createTestDatabase, startTestServer, type TestDatabase, type TestServer } from './support';
import { waitFor } from './support/process';

/** A procurement system's webhook: answers with the next status in `plan` (then 200), and keeps what it got. */
async function procurement(plan: number[]) {
  const received: Array<{ body: Record<string, unknown>; key: string | undefined; status: number }> = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const status = plan.shift() ?? 200;
      received.push({ body: JSON.parse(text), key: req.headers['idempotency-key'] as string | undefined, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/low-stock`,
    received,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('low-stock alerts to the procurement webhook', () => {
  let hook: Awaited<ReturnType<typeof procurement>>;
  let server: TestServer;

  beforeAll(async () => {
    hook = await procurement([500, 503]);
    server = await startTestServer({ demo: true, env: { PROCUREMENT_WEBHOOK_URL: hook.url } });
  });
  afterAll(async () => {
    await server?.stop();
    await hook?.close();
  });

  const json = (method: string, path: string, body: unknown, role: 'storefront' | 'manager' = 'storefront') =>
    server.request(path, { method, body: JSON.stringify(body), role });

  it('records one alert per crossing and delivers it, retrying with backoff until the webhook takes it', async () => {
    const { rows } = await server.db.pool.query<{ sku: string }>(
      `SELECT sku FROM products ORDER BY sku OFFSET 300 LIMIT 1`,
    );
    const sku = rows[0]?.sku as string;
    await json('PATCH', `/v1/stock/${sku}/settings`, { lowStockThreshold: 5 }, 'manager');
    await json(
      'POST',
      '/v1/stock/adjustments',
      { adjustmentId: uuidv7(), kind: 'count', lines: [{ sku, onHand: 8 }] },
      'manager',
    );
    // Available 8 → 6 → 4 (crosses below 5) → 3 → 2: one alert.
    for (const [holder, qty] of [
      ['a', 2],
      ['b', 2],
      ['c', 1],
      ['d', 1],
    ] as const) {
      expect((await json('POST', '/v1/holds', { sku, qty, holderId: holder })).status).toBe(201);
    }
    const alerts = await server.db.pool.query(`SELECT id, available, threshold FROM low_stock_alerts WHERE sku = $1`, [
      sku,
    ]);
    expect(alerts.rows).toMatchObject([{ available: '4', threshold: 5 }]);
    const events = await server.db.pool.query(
      `SELECT payload FROM events WHERE type = 'alert.low_stock' AND payload->>'sku' = $1`,
      [sku],
    );
    expect(events.rows).toHaveLength(1);

    await waitFor(
      'the webhook to take the alert',
      async () => (hook.received.some((r) => r.status === 200 && r.body.sku === sku) ? true : undefined),
      30_000,
    );
    const attempts = hook.received.filter((r) => r.body.sku === sku);
    expect(attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(new Set(attempts.map((a) => a.key))).toEqual(new Set([`low-stock-alert-${alerts.rows[0].id}`]));
    expect(attempts[2]?.body).toMatchObject({
      type: 'alert.low_stock',
      storeId: 'demo',
      sku,
      available: 4,
      threshold: 5,
    });
    const delivered = await server.db.pool.query(`SELECT delivery, attempts FROM low_stock_alerts WHERE sku = $1`, [
      sku,
    ]);
    expect(delivered.rows).toEqual([{ delivery: 'delivered', attempts: 3 }]);

    // Back above the threshold, then below again: a second crossing, a second alert.
    await json('PATCH', `/v1/stock/${sku}/settings`, { lowStockThreshold: 1 }, 'manager');
    await json('PATCH', `/v1/stock/${sku}/settings`, { lowStockThreshold: 5 }, 'manager');
    const again = await server.db.pool.query(`SELECT count(*)::int AS n FROM low_stock_alerts WHERE sku = $1`, [sku]);
    expect(again.rows[0].n).toBe(2);
  }, 60_000);
});

describe('webhook delivery when the webhook keeps failing, or is not configured', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
  });
  afterAll(() => db.drop());

  it('backs off exponentially, and gives up after the last attempt', async () => {
    expect([1, 2, 3, 4].map(webhookBackoffMs)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(webhookBackoffMs(20)).toBe(5 * 60_000);
    const hook = await procurement(Array(20).fill(500));
    try {
      const { rows } = await db.pool.query<{ sku: string }>(`SELECT sku FROM products LIMIT 1`);
      await db.pool.query(
        `INSERT INTO low_stock_alerts (store_id, sku, available, threshold) VALUES ('demo', $1, 3, 10)`,
        [rows[0]?.sku],
      );
      for (let i = 0; i < MAX_WEBHOOK_ATTEMPTS; i++) {
        await deliverLowStockAlerts(db.pool, { url: hook.url });
        const next = await db.pool.query(`SELECT next_attempt_at > now() AS later FROM low_stock_alerts`);
        expect(next.rows[0].later).toBe(true);
        await db.pool.query(`UPDATE low_stock_alerts SET next_attempt_at = now()`);
      }
      await deliverLowStockAlerts(db.pool, { url: hook.url });
      const { rows: after } = await db.pool.query(`SELECT delivery, attempts, last_error FROM low_stock_alerts`);
      expect(after).toEqual([{ delivery: 'failed', attempts: MAX_WEBHOOK_ATTEMPTS, last_error: 'HTTP 500' }]);
      expect(hook.received).toHaveLength(MAX_WEBHOOK_ATTEMPTS);
    } finally {
      await hook.close();
    }
  });

  it('keeps alerts on the dashboard only when no webhook is configured', async () => {
    await db.pool.query(`DELETE FROM low_stock_alerts`);
    const { rows } = await db.pool.query<{ sku: string }>(`SELECT sku FROM products LIMIT 1`);
    await db.pool.query(
      `INSERT INTO low_stock_alerts (store_id, sku, available, threshold) VALUES ('demo', $1, 3, 10)`,
      [rows[0]?.sku],
    );
    await deliverLowStockAlerts(db.pool, { url: undefined });
    const { rows: after } = await db.pool.query(`SELECT delivery, attempts FROM low_stock_alerts`);
    expect(after).toEqual([{ delivery: 'not_configured', attempts: 0 }]);
  });
});
