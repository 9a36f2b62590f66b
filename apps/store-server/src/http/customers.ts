import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { customerEndpoints as api } from '../api/customers';
import { routeOf } from '../api/endpoint';
import { MANAGER_UP, TERMINAL_UP } from '../auth/plugin';
import { notFound } from '../errors';
import { findCustomer, listCustomers, upsertCustomer } from '../pricing/customers';
import { idempotentWrite } from './idempotency';
import { storeIn } from './store-param';

export const customerRoutes: FastifyPluginAsyncZod = async (app) => {
  app.route({
    ...routeOf(api.put),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => {
      const storeId = storeIn(request);
      return idempotentWrite(app.db, request, reply, storeId, async (client) => {
        const { customer, created } = await upsertCustomer(client, storeId, request.params.id, request.body);
        return { status: created ? 201 : 200, body: customer };
      });
    },
  });

  app.route({
    ...routeOf(api.get),
    config: { roles: TERMINAL_UP },
    handler: async (request) => {
      const storeId = storeIn(request);
      const customer = await findCustomer(app.db, storeId, { id: request.params.id });
      if (!customer) throw notFound(`Customer ${request.params.id}`, { id: request.params.id });
      return customer;
    },
  });

  app.route({
    ...routeOf(api.lookup),
    config: { roles: TERMINAL_UP },
    handler: async (request) => {
      const storeId = storeIn(request);
      const { loyaltyCard, phone } = request.query;
      const key = loyaltyCard ? { loyaltyCard } : { phone: phone ?? '' };
      const customer = await findCustomer(app.db, storeId, key);
      if (!customer) {
        throw notFound(loyaltyCard ? `A customer with loyalty card ${loyaltyCard}` : `A customer with phone ${phone}`, {
          ...request.query,
        });
      }
      return customer;
    },
  });

  app.route({
    ...routeOf(api.list),
    config: { roles: MANAGER_UP },
    handler: async (request) => listCustomers(app.db, storeIn(request), request.query),
  });
};
