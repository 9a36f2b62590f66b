import fp from 'fastify-plugin';
import { holdRoutes } from '../http/holds';
import { orderRoutes } from '../http/orders';
import { stockRoutes } from '../http/stock';
import { type RepeatingJob, repeat } from '../jobs/interval';
import { deliverLowStockAlerts } from '../jobs/low-stock-webhook';
import type { StockAuthority } from './authority';
import { createStockAuthority } from './create';
import { StockSettingsCache } from './settings';
import { refreshHoldStatistics } from './statistics';

declare module 'fastify' {
  interface FastifyInstance {
    /** The stock authority of this server (Redis mode with REDIS_URL, Postgres mode otherwise). */
    stock: StockAuthority;
    stockSettings: StockSettingsCache;
  }
}

/** How often PostgreSQL changes (offline sales, adjustments, checkouts) reach the Redis authority at the latest. */
const FEED_INTERVAL_MS = 250;
const WEBHOOK_INTERVAL_MS = 1_000;
const STATISTICS_INTERVAL_MS = 1_000;

/**
 * Stock, holds and orders: the authority (decorated as `app.stock`), its background jobs (the
 * hold sweeper, the feed of PostgreSQL changes, the low-stock webhook, the holds table's planner
 * statistics) and their routes.
 * The jobs start when the server is ready and stop, with the authority, when it closes.
 */
export const stockPlugin = fp<{ authority?: StockAuthority | undefined }>(async (app, options) => {
  const authority = options.authority ?? createStockAuthority(app.config, app.db, app.log);
  app.decorate('stock', authority);
  app.decorate('stockSettings', new StockSettingsCache(app.db, Date.now));
  app.readiness.add('stock', () => authority.readiness());

  let jobs: RepeatingJob[] = [];
  app.addHook('onReady', async () => {
    await authority.start();
    const log = app.log.child({ component: 'stock' });
    jobs = [
      repeat('hold-sweeper', app.config.holdSweepIntervalMs, () => authority.expireDue(), log),
      repeat('stock-feed', FEED_INTERVAL_MS, () => authority.applyFeed(), log),
      repeat(
        'low-stock-webhook',
        WEBHOOK_INTERVAL_MS,
        () => deliverLowStockAlerts(app.db, { url: app.config.procurementWebhookUrl }),
        log,
      ),
      repeat('hold-statistics', STATISTICS_INTERVAL_MS, () => refreshHoldStatistics(app.db), log),
    ];
  });
  app.addHook('onClose', async () => {
    await Promise.all(jobs.map((job) => job.stop()));
    await authority.stop();
  });

  await app.register(holdRoutes);
  await app.register(stockRoutes);
  await app.register(orderRoutes);
});
