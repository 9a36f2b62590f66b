import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { routeOf } from '../api/endpoint';
import { priceListEndpoints as api } from '../api/price-lists';
import { MANAGER_UP } from '../auth/plugin';
import { notFound } from '../errors';
import { deletePriceList, getPriceList, listPriceLists, putPriceList, setListPrice } from '../pricing/price-lists';
import { currentPricingVersion } from '../pricing/versions';
import { pricingWrite } from './pricing-write';
import { storeIn } from './store-param';

export const priceListRoutes: FastifyPluginAsyncZod = async (app) => {
  async function answer(db: pg.Pool | pg.PoolClient, storeId: string, id: string, version: number) {
    const list = await getPriceList(db, storeId, id);
    if (!list) throw notFound(`Price list ${id}`, { id });
    return { ...list, pricingVersion: version };
  }

  app.route({
    ...routeOf(api.list),
    config: { roles: MANAGER_UP },
    handler: async (request) => ({ items: await listPriceLists(app.db, storeIn(request)) }),
  });

  app.route({
    ...routeOf(api.get),
    config: { roles: MANAGER_UP },
    handler: async (request) => {
      const storeId = storeIn(request);
      return answer(app.db, storeId, request.params.id, await currentPricingVersion(app.db, storeId));
    },
  });

  app.route({
    ...routeOf(api.put),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => {
      const { id } = request.params;
      return pricingWrite(
        app,
        request,
        reply,
        ({ client, storeId, emit }) => putPriceList(client, storeId, id, request.body, emit),
        async (result, version, client) => ({
          status: result.created ? 201 : 200,
          body: await answer(client, storeIn(request), id, version),
        }),
      );
    },
  });

  app.route({
    ...routeOf(api.delete),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => {
      const { id } = request.params;
      return pricingWrite(
        app,
        request,
        reply,
        ({ client, storeId, emit }) => deletePriceList(client, storeId, id, emit),
        (_, version) => ({ status: 200, body: { id, deleted: true as const, pricingVersion: version } }),
      );
    },
  });

  async function writePrice(
    request: { params: { id: string; sku: string } } & FastifyRequest,
    reply: FastifyReply,
    price: string | null,
  ) {
    const { id, sku } = request.params;
    return pricingWrite(
      app,
      request,
      reply,
      ({ client, storeId, emit }) => setListPrice(client, storeId, id, sku, price, emit),
      (result, version) => ({ status: 200, body: { ...result, pricingVersion: version } }),
    );
  }

  app.route({
    ...routeOf(api.setPrice),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => writePrice(request, reply, request.body.price),
  });

  app.route({
    ...routeOf(api.removePrice),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => writePrice(request, reply, null),
  });
};
