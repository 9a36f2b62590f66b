import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { campaignRoutes } from '../http/campaigns';
import { cartRoutes } from '../http/carts';
import { customerRoutes } from '../http/customers';
import { exchangeRateRoutes } from '../http/exchange-rates';
import { priceListRoutes } from '../http/price-lists';
import { ruleRoutes } from '../http/rules';
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
  if (feed) {
    app.addHook('onReady', async () => feed.start());
    app.addHook('onClose', async () => feed.stop());
  }

  await app.register(cartRoutes);
  await app.register(ruleRoutes);
  await app.register(campaignRoutes);
  await app.register(priceListRoutes);
  await app.register(customerRoutes);
  await app.register(exchangeRateRoutes);
});
