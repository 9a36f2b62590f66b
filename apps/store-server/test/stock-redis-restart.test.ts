import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutHold, crowd, type JsonResponse } from './stock/http';
import { type OwnRedis, startOwnRedis } from './stock/redis-server';
import { freePort, redisUrl, startTestServer, type TestServer } from './support';
import { waitFor } from './support/process';

const UNITS = 150;

/**
 * Redis dies in the middle of a sale (`shutdown nosave`) and comes back empty. PostgreSQL stays
 * the final word: no unit is sold twice, no order is lost, and the server is ready again once
 * it has rebuilt Redis from PostgreSQL.
 */
describe.skipIf(!redisUrl())('Redis killed in the middle of a sale', () => {
  let redis: OwnRedis;
  let server: TestServer;

  beforeAll(async () => {
    redis = await startOwnRedis(await freePort());
    server = await startTestServer({ demo: true, env: { REDIS_URL: redis.url } });
    await waitFor('ready', async () => ((await server.request('/readyz')).ok ? true : undefined), 60_000);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  const readiness = async () =>
    (await server.request('/readyz')).json() as Promise<{
      status: string;
      checks: Record<string, { ok: boolean; reason?: string }>;
    }>;

  it('loses no order, sells nothing twice, and is ready again after the rebuild', async () => {
    const { rows } = await server.db.pool.query<{ sku: string }>(
      `SELECT sku FROM products ORDER BY sku OFFSET 7 LIMIT 1`,
    );
    const sku = rows[0]?.sku as string;
    const shoppers = crowd(server.url, server.keys.storefront, 64);
    const manager = crowd(server.url, server.keys.manager, 2);
    const granted: JsonResponse[] = [];
    const orders: JsonResponse[] = [];
    let buyer = 0;
    const wave = async (n: number) => {
      const answers = await Promise.all(
        Array.from({ length: n }, () => shoppers.send('POST', '/v1/holds', { sku, qty: 1, holderId: `b${buyer++}` })),
      );
      for (const a of answers) {
        expect([201, 409, 503]).toContain(a.status);
        if (a.status === 503) expect(a.body.error?.code).toBe('STOCK_UNAVAILABLE');
        if (a.status === 201) granted.push(a);
      }
      return answers;
    };
    const checkout = async (holds: JsonResponse[]) => {
      const placed = await Promise.all(holds.map((g) => checkoutHold(shoppers, g, 'k')));
      for (const o of placed) if (o.status === 201) orders.push(o);
      return placed;
    };

    try {
      expect(
        (
          await manager.send('POST', '/v1/stock/adjustments', {
            adjustmentId: uuidv7(),
            kind: 'count',
            lines: [{ sku, onHand: UNITS }],
          })
        ).status,
      ).toBe(201);

      // Before: a third of the stock held, a few bought.
      await wave(50);
      expect(granted).toHaveLength(50);
      await checkout(granted.slice(0, 10));
      expect(orders).toHaveLength(10);

      // Redis dies while shoppers keep coming and holders keep paying.
      const during = Promise.all([wave(100), checkout(granted.slice(10, 30))]);
      await redis.kill();
      await during;
      const down = await readiness();
      expect(down.status).toBe('not_ready');
      expect(down.checks.stock?.ok).toBe(false);
      // Orders are PostgreSQL's: holds granted before the outage can still be bought.
      const whileDown = await checkout(granted.slice(30, 40));
      expect(whileDown.every((o) => o.status === 201)).toBe(true);
      const refused = await wave(20);
      expect(refused.every((a) => a.status === 503)).toBe(true);

      // Redis comes back with nothing in it; the server rebuilds it from PostgreSQL.
      redis = await startOwnRedis(redis.port);
      await waitFor('ready again', async () => ((await readiness()).status === 'ready' ? true : undefined), 60_000);

      // The sale goes on: the holds from before the outage are still there, and no more than the stock is sold.
      await checkout(granted.slice(40));
      let rounds = 0;
      while (rounds++ < 20) {
        const answers = await wave(60);
        if (answers.every((a) => a.status === 409 && a.body.error?.code === 'SOLD_OUT')) break;
        await checkout(
          granted.filter(
            (g) => !orders.some((o) => (o.body.lines as Array<{ holdId: string }>)[0]?.holdId === g.body.holdId),
          ),
        );
      }
      expect(rounds).toBeLessThan(20);

      // Every order answered 201 is in PostgreSQL, once; the units sold are exactly the stock.
      const ids = [...new Set(orders.map((o) => o.body.orderId as string))];
      expect(ids).toHaveLength(orders.length);
      const stored = await server.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      expect(stored.rows[0]?.n).toBe(orders.length);
      const sold = await server.db.pool.query<{ units: string }>(
        `SELECT coalesce(sum(qty), 0) AS units FROM order_lines WHERE sku = $1`,
        [sku],
      );
      expect(Number(sold.rows[0]?.units)).toBe(UNITS);
      await server.app.stock.flush();
      const level = await server.db.pool.query<{ received: string; sold: string; held: string }>(
        `SELECT received, sold, held FROM stock_levels WHERE store_id = 'demo' AND sku = $1`,
        [sku],
      );
      const l = level.rows[0];
      expect(l && [Number(l.received) - Number(l.sold), Number(l.held)]).toEqual([0, 0]);
      const api = await shoppers.send('GET', `/v1/products/${sku}/availability`);
      expect(api.body).toEqual({ sku, onHand: 0, held: 0, available: 0 });
    } finally {
      shoppers.close();
      manager.close();
    }
  }, 180_000);
});
