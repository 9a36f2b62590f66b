import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { cartEndpoints as api } from '../api/carts';
import { routeOf } from '../api/endpoint';
import { STOREFRONT_UP } from '../auth/plugin';
import { channelOf } from './channel';
import { plainJsonSerializer } from './fast-serializer';
import { storeIn } from './store-param';

export const cartRoutes: FastifyPluginAsyncZod = async (app) => {
  app.route({
    ...routeOf(api.price),
    config: { roles: STOREFRONT_UP },
    serializerCompiler: plainJsonSerializer,
    handler: async (request) => {
      const body = request.body;
      return app.pricing.priceCart({
        storeId: storeIn(request),
        lines: body.lines,
        customer: body.customerId ? { id: body.customerId } : undefined,
        coupons: body.coupons,
        currency: body.currency,
        clientIp: request.ip,
        at: body.at ? Date.parse(body.at) : undefined,
        channel: channelOf(request, body.channel),
        shipping: body.shipping,
        fieldPrefix: 'body.',
      });
    },
  });
};
