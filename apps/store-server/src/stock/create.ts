import type { FastifyBaseLogger } from 'fastify';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type pg from 'pg';
import type { Config } from '../config';
import type { StockAuthority } from './authority';
import { PostgresStockAuthority } from './postgres/authority';
import { RedisStockAuthority } from './redis/authority';

/** Redis mode when REDIS_URL is set, Postgres mode (the embedded default) otherwise. */
export function createStockAuthority(config: Config, db: pg.Pool, logger: FastifyBaseLogger): StockAuthority {
  if (!config.redisUrl) return new PostgresStockAuthority({ db });
  const options: RedisOptions = {
    lazyConnect: true,
    // A hold must get a true answer at once: fail fast while Redis is away rather than queue.
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2_000),
  };
  const url = new URL(config.redisUrl);
  const redis = config.redisCluster
    ? new Cluster([{ host: url.hostname, port: Number(url.port || 6379) }], {
        lazyConnect: true,
        enableAutoPipelining: true,
        clusterRetryStrategy: (times) => Math.min(50 * 2 ** times, 2_000),
        redisOptions: { ...options, password: url.password || undefined, username: url.username || undefined },
      })
    : new Redis(config.redisUrl, options);
  redis.on('error', () => {});
  return new RedisStockAuthority({
    db,
    redis,
    prefix: config.redisKeyPrefix,
    persistIntervalMs: config.holdPersistIntervalMs,
    logger: logger.child({ component: 'stock-redis' }),
    ownsClient: true,
  });
}
