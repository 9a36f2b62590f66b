import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { routeOf } from '../api/endpoint';
import { stockEndpoints as api } from '../api/stock';
import { MANAGER_UP, STOREFRONT_UP } from '../auth/plugin';
import { notFound } from '../errors';
import { applyAdjustment } from '../stock/adjustments';
import { listLowStockAlerts, listStockLevels, updateSkuSettings, updateStoreStockSettings } from '../stock/levels';
import { storeIn } from './store-param';

export const stockRoutes: FastifyPluginAsyncZod = async (app) => {
  const applyFeedSoon = (log: { warn: (o: object, m: string) => void }) =>
    app.stock.applyFeed().catch((error) => log.warn({ err: error }, 'stock feed not applied yet'));

  app.route({
    ...routeOf(api.availability),
    config: { roles: STOREFRONT_UP },
    handler: async (request) => {
      const { sku } = request.params;
      const found = (await app.stock.availability(storeIn(request), [sku])).get(sku);
      if (found) return found;
      const product = await app.db.query('SELECT 1 FROM products WHERE sku = $1', [sku]);
      if (product.rowCount === 0) throw notFound(`Product ${sku}`, { sku });
      return { sku, onHand: 0, held: 0, available: 0 };
    },
  });

  app.route({
    ...routeOf(api.adjust),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => {
      const storeId = storeIn(request);
      // Redis mode: holds decided so far must be in PostgreSQL, so that the right (newest) ones are cut.
      await app.stock.flush();
      const { result, replayed } = await applyAdjustment(app.db, { storeId, ...request.body });
      if (!replayed) await applyFeedSoon(request.log);
      return reply.status(replayed ? 200 : 201).send(result);
    },
  });

  app.route({
    ...routeOf(api.list),
    config: { roles: MANAGER_UP },
    handler: async (request) => listStockLevels(app.db, storeIn(request), request.query),
  });

  app.route({
    ...routeOf(api.skuSettings),
    config: { roles: MANAGER_UP },
    handler: async (request) => {
      const { sku } = request.params;
      const row = await updateSkuSettings(app.db, storeIn(request), sku, request.body);
      if (!row) throw notFound(`Product ${sku}`, { sku });
      await applyFeedSoon(request.log);
      return row;
    },
  });

  app.route({
    ...routeOf(api.storeSettings),
    config: { roles: MANAGER_UP },
    handler: async (request) => updateStoreStockSettings(app.db, storeIn(request), request.body),
  });

  app.route({
    ...routeOf(api.alerts),
    config: { roles: MANAGER_UP },
    handler: async (request) => ({ items: await listLowStockAlerts(app.db, storeIn(request), request.query.limit) }),
  });
};
