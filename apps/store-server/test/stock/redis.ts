import { randomBytes } from 'node:crypto';
import { type Cluster, Redis } from 'ioredis';
import pino from 'pino';
import { RedisStockAuthority } from '../../src/stock/redis/authority';
import { createTestDatabase, type TestDatabase } from '../support';
import { type StockHarness, TestClock } from './harness';

/** A Redis client as the server makes one (fail fast, auto-pipelined). */
export function redisClient(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 500),
  });
  redis.on('error', () => {});
  return redis;
}

export const testPrefix = () => `till-test-${randomBytes(6).toString('hex')}:`;

/** Deletes every key under `prefix` (never FLUSHALL: the Redis may be shared). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** A Redis-mode authority on its own database and its own key prefix. */
export async function redisHarness(
  url: string,
  options: {
    client?: Redis | Cluster;
    db?: TestDatabase;
    prefix?: string;
    persistIntervalMs?: number;
    /** Without `db`: every SKU of the harness' own database is split into this many buckets. */
    buckets?: number;
  } = {},
): Promise<StockHarness & { prefix: string; redis: Redis | Cluster }> {
  const db = options.db ?? (await createTestDatabase({ demo: true }));
  if (!options.db && options.buckets) await db.pool.query('UPDATE stock_levels SET buckets = $1', [options.buckets]);
  const clock = new TestClock();
  const prefix = options.prefix ?? testPrefix();
  const redis = options.client ?? redisClient(url);
  const authority = new RedisStockAuthority({
    db: db.pool,
    redis,
    prefix,
    logger: pino({ level: 'silent' }),
    clock: clock.read,
    settingsTtlMs: 0,
    persistIntervalMs: options.persistIntervalMs ?? 5,
  });
  await authority.start();
  return {
    db,
    authority,
    clock,
    prefix,
    redis,
    close: async () => {
      await authority.stop();
      if (redis instanceof Redis) {
        await deletePrefix(redis, prefix).catch(() => {});
      }
      redis.disconnect();
      if (!options.db) await db.drop();
    },
  };
}

/**
 * Two Redis-mode instances (two authorities) on one Redis key prefix and one database of their
 * own, as several store servers run; A writes its decisions every `persistIntervalMs`.
 */
export async function twoInstances(
  url: string,
  options: { persistIntervalMs: number; client?: () => Redis | Cluster },
) {
  const db = await createTestDatabase({ demo: true });
  const a = await redisHarness(url, { db, client: options.client?.(), persistIntervalMs: options.persistIntervalMs });
  const b = await redisHarness(url, { db, client: options.client?.(), prefix: a.prefix });
  return {
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
      await db.drop();
    },
  };
}
