import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { routeOf } from '../api/endpoint';
import { exchangeRateEndpoints as api } from '../api/exchange-rates';
import { MANAGER_UP, STOREFRONT_UP } from '../auth/plugin';
import { AppError } from '../errors';
import { requireKnownCurrency } from '../pricing/currency';
import { latestRatesSnapshot, ratesPer, storeRatesSnapshot } from '../pricing/rates';
import { idempotentWrite } from './idempotency';
import { storeIn } from './store-param';

export const exchangeRateRoutes: FastifyPluginAsyncZod = async (app) => {
  app.route({
    ...routeOf(api.current),
    config: { roles: STOREFRONT_UP },
    handler: async (request) => {
      const storeId = storeIn(request);
      let base = request.query.base;
      if (base) base = requireKnownCurrency(base, 'querystring.base');
      else {
        const { rows } = await app.db.query<{ currency: string }>('SELECT currency FROM stores WHERE id = $1', [
          storeId,
        ]);
        base = rows[0]?.currency ?? 'USD';
      }
      const latest = await latestRatesSnapshot(app.db, base);
      const rates = latest ? ratesPer(latest, base) : undefined;
      return {
        base,
        snapshot: latest && rates ? { ...latest, base, rates } : null,
        feed: app.ratesFeed?.status() ?? null,
      };
    },
  });

  app.route({
    ...routeOf(api.put),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => {
      const storeId = storeIn(request);
      const { base, asOf, rates } = request.body;
      const checkedBase = requireKnownCurrency(base, 'body.base');
      for (const currency of Object.keys(rates)) requireKnownCurrency(currency, `body.rates.${currency}`);
      if (rates[checkedBase] !== undefined) {
        throw new AppError(400, 'VALIDATION_FAILED', `The rates must not include the base currency ${checkedBase}`, {
          fields: [{ field: `body.rates.${checkedBase}`, problem: 'is the base currency' }],
        });
      }
      return idempotentWrite(app.db, request, reply, storeId, async (client) => {
        const { snapshot, created } = await storeRatesSnapshot(client, {
          id: request.params.id,
          base: checkedBase,
          asOf: asOf ? new Date(asOf) : undefined,
          source: 'manual',
          sourceUrl: null,
          rates,
        });
        return { status: created ? 201 : 200, body: snapshot };
      });
    },
  });

  app.route({
    ...routeOf(api.refresh),
    config: { roles: MANAGER_UP },
    handler: async () => {
      if (!app.ratesFeed) {
        throw new AppError(409, 'RATES_FEED_NOT_CONFIGURED', 'No rates feed is configured: set RATES_FEED_URL');
      }
      return app.ratesFeed.fetchNow();
    },
  });
};
