import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors';
import { RedisStockAuthority } from '../src/stock/redis/authority';
import { STORE } from './stock/harness';
import { deletePrefix, redisClient, testPrefix } from './stock/redis';
import { createTestDatabase, redisUrl, type TestDatabase } from './support';

const url = redisUrl();

/**
 * Redis mode writes its decisions to PostgreSQL behind the hot path. When they pile up
 * (PostgreSQL down or too slow), the queue stays bounded: new holds are refused with a 503
 * until the decisions are written, and nothing already decided is lost.
 */
describe.skipIf(!url)('Redis mode with PostgreSQL falling behind', () => {
  let db: TestDatabase;
  let authority: RedisStockAuthority;
  const prefix = testPrefix();
  const redis = redisClient(url as string);
  let sku: string;

  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
    const { rows } = await db.pool.query<{ sku: string }>(
      `SELECT sku FROM stock_levels WHERE store_id = $1 AND received - sold - held >= 5 ORDER BY sku LIMIT 1`,
      [STORE],
    );
    sku = rows[0]?.sku as string;
    authority = new RedisStockAuthority({
      db: db.pool,
      redis,
      prefix,
      logger: pino({ level: 'silent' }),
      // Nothing is written on its own within the test: only flush() writes.
      persistIntervalMs: 600_000,
      maxPendingDecisions: 3,
    });
    await authority.start();
  }, 60_000);

  afterAll(async () => {
    await authority?.stop();
    await deletePrefix(redis, prefix).catch(() => {});
    redis.disconnect();
    await db?.drop();
  });

  const hold = (holderId: string) => authority.setHold({ storeId: STORE, sku, qty: 1, holderId });

  it('refuses new holds with 503 while too many decisions wait, and grants again once they are written', async () => {
    for (const holder of ['a', 'b', 'c']) expect((await hold(holder)).ok).toBe(true);
    const refused = await hold('d').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).statusCode).toBe(503);
    expect((refused as AppError).code).toBe('STOCK_UNAVAILABLE');

    await authority.flush();
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM holds WHERE store_id = $1 AND sku = $2 AND state = 'active'`,
      [STORE, sku],
    );
    expect(rows[0]?.n).toBe(3);
    expect((await hold('d')).ok).toBe(true);
  });
});
