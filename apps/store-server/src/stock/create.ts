import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { Config } from '../config';
import type { StockAuthority } from './authority';
import { PostgresStockAuthority } from './postgres/authority';

/** Redis mode when REDIS_URL is set, Postgres mode (the embedded default) otherwise. */
export function createStockAuthority(config: Config, db: pg.Pool, _logger: FastifyBaseLogger): StockAuthority {
  if (config.redisUrl) throw new Error('Redis mode is being built');
  return new PostgresStockAuthority({ db });
}
