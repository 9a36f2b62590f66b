import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { routeOf } from '../api/endpoint';
import { orderEndpoints as api } from '../api/orders';
import { STOREFRONT_UP } from '../auth/plugin';
import { notFound } from '../errors';
import { placeOrder } from '../orders/checkout';
import { loadOrder } from '../orders/orders';
import { minorUnitDigits, orderPricer } from '../orders/pricing';
import { storeIn } from './store-param';

export const orderRoutes: FastifyPluginAsyncZod = async (app) => {
  const price = orderPricer(app.pricing);

  app.route({
    ...routeOf(api.place),
    config: { roles: STOREFRONT_UP },
    handler: async (request, reply) => {
      const { order, replayed } = await placeOrder(
        {
          db: app.db,
          authority: app.stock,
          clock: Date.now,
          price,
          onFeedError: (error) => request.log.warn({ err: error }, 'stock feed not applied yet'),
        },
        {
          storeId: storeIn(request),
          ...request.body,
          clientIp: request.ip,
          idempotencyKey: request.headers['idempotency-key'],
        },
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(order);
    },
  });

  app.route({
    ...routeOf(api.get),
    config: { roles: STOREFRONT_UP },
    handler: async (request) => {
      const { orderId } = request.params;
      const found = await loadOrder(app.db, storeIn(request), { orderId }, minorUnitDigits);
      if (!found) throw notFound(`Order ${orderId}`, { orderId });
      return found.order;
    },
  });
};
