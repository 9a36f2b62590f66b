import type pg from 'pg';
import type { Config } from './config';
import type { Metrics } from './observability/metrics';
import type { Readiness } from './observability/readiness';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: pg.Pool;
    readiness: Readiness;
    metrics: Metrics;
  }
}
