import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { campaignRoutes } from '../http/campaigns';
import { cartRoutes } from '../http/carts';
import { customerRoutes } from '../http/customers';
import { exchangeRateRoutes } from '../http/exchange-rates';
import { pruneIdempotencyKeys } from '../http/idempotency';
import { priceListRoutes } from '../http/price-lists';
import { ruleRoutes } from '../http/rules';
import { type RepeatingJob, repeat } from '../jobs/interval';
import { openCountryLookup } from './geoip';
import { RatesFeed } from './rates-feed';
import { PricingService } from './service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Prices carts and products from one consistent snapshot of a store's rules. */
    pricing: PricingService;
    /** The exchange-rate feed job, when RATES_FEED_URL is set. */
    ratesFeed: RatesFeed | undefined;
  }
}

const IDEMPOTENCY_PRUNE_EVERY_MS = 3_600_000;

/**
 * Pricing on the server: the pricing service (`app.pricing`), the rates feed job, and the
 * routes: cart pricing, and what managers use for rules, campaigns, price lists, customers
 * and exchange rates. (The catalog's routes, with prices, are `http/products.ts`.)
 */
export const pricing = fp(async (app: FastifyInstance) => {
  const geoip = await openCountryLookup(app.config.geoipDatabase);
  app.decorate('pricing', new PricingService(app.db, geoip?.countryOf, app.log));

  const feed = app.config.ratesFeed ? new RatesFeed(app.db, app.config.ratesFeed, app.log) : undefined;
  app.decorate('ratesFeed', feed);

  let jobs: RepeatingJob[] = [];
  app.addHook('onReady', async () => {
    const log = app.log.child({ component: 'pricing' });
    jobs = [repeat('idempotency-pruning', IDEMPOTENCY_PRUNE_EVERY_MS, () => pruneIdempotencyKeys(app.db), log)];
    if (feed) {
      // The feed logs its own failures and keeps them in its status.
      const fetchRates = () => feed.fetchNow().catch(() => {});
      const ratesJob = repeat('rates-feed', feed.status().intervalMs, fetchRates, log);
      void ratesJob.runNow();
      jobs.push(ratesJob);
    }
  });
  app.addHook('onClose', async () => {
    await Promise.all(jobs.map((job) => job.stop()));
  });

  await app.register(cartRoutes);
  await app.register(ruleRoutes);
  await app.register(campaignRoutes);
  await app.register(priceListRoutes);
  await app.register(customerRoutes);
  await app.register(exchangeRateRoutes);
});
