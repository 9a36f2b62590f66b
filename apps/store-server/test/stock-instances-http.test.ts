import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server';
import { deletePrefix, redisClient, testPrefix } from './stock/redis';
import { redisUrl, startTestServer, type TestServer, testConfig } from './support';

const url = redisUrl();

/**
 * Two store servers on one Redis (one key prefix) and one PostgreSQL, as behind a load balancer:
 * a storefront's requests for one shopper land on either. Server A writes its hold decisions to
 * PostgreSQL only every second (HOLD_PERSIST_INTERVAL_MS=1000), so what B is asked right after
 * an answer from A comes before A has written it.
 */
describe.skipIf(!url)('two store servers behind one storefront (Redis mode, over HTTP)', () => {
  const prefix = testPrefix();
  let a: TestServer;
  let b: RunningServer;
  let skus: string[];

  beforeAll(async () => {
    a = await startTestServer({
      demo: true,
      env: { REDIS_URL: url, REDIS_KEY_PREFIX: prefix, HOLD_PERSIST_INTERVAL_MS: '1000' },
    });
    b = await startServer(
      testConfig({ DATABASE_URL: a.db.url, REDIS_URL: url, REDIS_KEY_PREFIX: prefix }),
      pino({ level: 'silent' }),
    );
    const { rows } = await a.db.pool.query<{ sku: string }>(
      `SELECT sku FROM stock_levels WHERE store_id = 'demo' AND received - sold - held >= 10 ORDER BY sku LIMIT 5`,
    );
    skus = rows.map((r) => r.sku);
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    const redis = redisClient(url as string);
    await redis.connect();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  const on = (
    server: RunningServer,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${a.keys.storefront}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('a guest holds on A, logs in on B, sees the cart and pays on B', async () => {
    const sku = skus[0] as string;
    const before = (await (await on(b, 'GET', `/v1/products/${sku}/availability`)).json()) as { available: number };

    const held = await on(a, 'POST', '/v1/holds', { sku, qty: 2, holderId: 'guest-lb-1' });
    const hold = (await held.json()) as { holdId: string };
    expect(held.status, JSON.stringify(hold)).toBe(201);

    const moved = await on(b, 'POST', '/v1/holders/guest-lb-1/transfer', { toHolderId: 'member-lb-1' });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ holds: [{ holdId: hold.holdId, holderId: 'member-lb-1', qty: 2 }] });

    const cart = (await (await on(b, 'GET', '/v1/holders/member-lb-1/holds')).json()) as { items: unknown[] };
    expect(cart.items).toMatchObject([{ holdId: hold.holdId, sku, qty: 2, state: 'active' }]);

    const paid = await on(
      b,
      'POST',
      '/v1/orders',
      { holderId: 'member-lb-1', holdIds: [hold.holdId], payment: { method: 'card', reference: 'psp-lb-1' } },
      { 'idempotency-key': uuidv7() },
    );
    expect(paid.status).toBe(201);
    expect(await paid.json()).toMatchObject({ lines: [{ sku, qty: 2 }] });
    const after = (await (await on(a, 'GET', `/v1/products/${sku}/availability`)).json()) as { available: number };
    expect(after.available).toBe(before.available - 2);
  });
});
