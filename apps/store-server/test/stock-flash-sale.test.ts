import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutHold, crowd } from './stock/http';
import { deletePrefix, redisClient, testPrefix } from './stock/redis';
import { redisUrl, startTestServer, type TestServer } from './support';
import { waitFor } from './support/process';

const BUYERS = 5_000;
const UNITS = 100;

/**
 * A flash sale over HTTP: thousands of shoppers want the last hundred units at once. Every one
 * gets a true answer; exactly the stock is held, then sold; the invariant holds after every step.
 */
function flashSale(mode: 'postgres' | 'redis') {
  let server: TestServer;
  let prefix: string | undefined;

  beforeAll(async () => {
    prefix = mode === 'redis' ? testPrefix() : undefined;
    server = await startTestServer({
      demo: true,
      env: mode === 'redis' ? { REDIS_URL: redisUrl(), REDIS_KEY_PREFIX: prefix } : {},
    });
    await waitFor(
      'the server to be ready',
      async () => ((await server.request('/readyz')).ok ? true : undefined),
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    const url = redisUrl();
    if (prefix && url) {
      const redis = redisClient(url);
      await redis.connect();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });

  /** received = available + held + sold, nothing negative, checked in PostgreSQL and in the API's answer. */
  async function invariant(sku: string) {
    await server.app.stock.flush();
    const { rows } = await server.db.pool.query<{ received: string; sold: string; held: string; holds: string }>(
      `SELECT received, sold, held,
              (SELECT coalesce(sum(qty), 0) FROM holds WHERE store_id = 'demo' AND sku = $1 AND state = 'active') AS holds
       FROM stock_levels WHERE store_id = 'demo' AND sku = $1`,
      [sku],
    );
    const r = rows[0];
    if (!r) throw new Error('no stock row');
    const [received, sold, held] = [Number(r.received), Number(r.sold), Number(r.held)];
    const api = (await (await server.request(`/v1/products/${sku}/availability`)).json()) as Record<string, number>;
    expect(api).toEqual({ sku, onHand: received - sold, held, available: received - sold - held });
    expect(received).toBe((api.available ?? 0) + held + sold);
    expect(Number(r.holds)).toBe(held);
    for (const n of [received, sold, held, api.available ?? -1]) expect(n).toBeGreaterThanOrEqual(0);
    return { received, sold, held, available: api.available ?? 0 };
  }

  it(`holds exactly ${UNITS} units for ${BUYERS} buyers, refuses the rest with reasons, and sells exactly ${UNITS}`, async () => {
    const { rows } = await server.db.pool.query<{ sku: string }>(
      `SELECT sku FROM products ORDER BY sku OFFSET 100 LIMIT 1`,
    );
    const sku = rows[0]?.sku as string;
    const client = crowd(server.url, server.keys.storefront);
    const manager = crowd(server.url, server.keys.manager, 4);
    try {
      // Step 1: the stock for the sale.
      const count = await manager.send('POST', '/v1/stock/adjustments', {
        adjustmentId: uuidv7(),
        kind: 'count',
        lines: [{ sku, onHand: UNITS }],
      });
      expect(count.status).toBe(201);
      const before = await invariant(sku);
      expect(before).toMatchObject({ held: 0, available: UNITS });

      // Step 2: every buyer at once.
      const answers = await Promise.all(
        Array.from({ length: BUYERS }, (_, i) =>
          client.send('POST', '/v1/holds', { sku, qty: 1, holderId: `buyer-${i}` }),
        ),
      );
      const granted = answers.filter((a) => a.status === 201);
      const refused = answers.filter((a) => a.status !== 201);
      expect(granted).toHaveLength(UNITS);
      expect(refused).toHaveLength(BUYERS - UNITS);
      for (const r of refused) {
        expect(r.status).toBe(409);
        expect(r.body.error?.code).toBe('HELD_BY_OTHERS');
        expect(r.body.error?.message).toMatch(/first of those holds expires at/);
        expect(typeof r.body.error?.firstExpiresAt).toBe('string');
      }
      expect(new Set(granted.map((g) => g.body.holderId)).size).toBe(UNITS);
      expect(await invariant(sku)).toMatchObject({ held: UNITS, available: 0, sold: before.sold });

      // Step 3: every holder checks out at once.
      const orders = await Promise.all(granted.map((g) => checkoutHold(client, g)));
      expect(orders.map((o) => o.status)).toEqual(Array(UNITS).fill(201));
      expect(new Set(orders.map((o) => o.body.orderId)).size).toBe(UNITS);
      const placed = await server.db.pool.query(
        `SELECT count(*)::int AS n FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.sku = $1`,
        [sku],
      );
      expect(placed.rows[0].n).toBe(UNITS);
      expect(await invariant(sku)).toMatchObject({ held: 0, available: 0, sold: before.sold + UNITS });

      // Step 4: the next shopper is told it is sold out.
      const late = await client.send('POST', '/v1/holds', { sku, qty: 1, holderId: 'late-buyer' });
      expect(late.status).toBe(409);
      expect(late.body.error?.code).toBe('SOLD_OUT');
      await invariant(sku);
    } finally {
      client.close();
      manager.close();
    }
  }, 180_000);
}

describe('flash sale: Postgres mode', () => flashSale('postgres'));
describe.skipIf(!redisUrl())('flash sale: Redis mode', () => flashSale('redis'));
