import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { routeOf } from '../api/endpoint';
import { ruleEndpoints as api } from '../api/rules';
import { MANAGER_UP } from '../auth/plugin';
import { notFound } from '../errors';
import { checkRuleWrites, getRule, listRules, writeRules } from '../pricing/rules';
import { currentPricingVersion } from '../pricing/versions';
import { pricingWrite } from './pricing-write';
import { storeIn } from './store-param';

export const ruleRoutes: FastifyPluginAsyncZod = async (app) => {
  app.route({
    ...routeOf(api.list),
    config: { roles: MANAGER_UP },
    handler: async (request) => {
      const storeId = storeIn(request);
      const [page, pricingVersion] = await Promise.all([
        listRules(app.db, storeId, request.query),
        currentPricingVersion(app.db, storeId),
      ]);
      return { ...page, pricingVersion };
    },
  });

  app.route({
    ...routeOf(api.get),
    config: { roles: MANAGER_UP },
    handler: async (request) => {
      const rule = await getRule(app.db, storeIn(request), request.params.id);
      if (!rule) throw notFound(`Rule ${request.params.id}`, { id: request.params.id });
      return rule;
    },
  });

  app.route({
    ...routeOf(api.put),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => {
      const storeId = storeIn(request);
      const { id } = request.params;
      const writes = checkRuleWrites([{ id, ...request.body }], () => 'body.rule');
      return pricingWrite(
        app,
        request,
        reply,
        ({ client, emit }) => writeRules(client, storeId, emit, writes, [], () => 'body'),
        async (result, version, client) => {
          const rule = result.written[0] ?? (await getRule(client, storeId, id));
          if (!rule) throw new Error(`rule ${id} vanished during its write`);
          return { status: result.created.length > 0 ? 201 : 200, body: { ...rule, pricingVersion: version } };
        },
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
        ({ client, storeId, emit }) => writeRules(client, storeId, emit, [], [id]),
        (result, version) => {
          if (result.deleted.length === 0) throw notFound(`Rule ${id}`, { id });
          return { status: 200, body: { id, deleted: true as const, pricingVersion: version } };
        },
      );
    },
  });

  app.route({
    ...routeOf(api.batch),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => {
      const { upsert, delete: deletes } = request.body;
      const writes = checkRuleWrites(
        upsert.map((u) => ({ ...u, id: u.rule.id })),
        (i) => `body.upsert.${i}.rule`,
      );
      return pricingWrite(
        app,
        request,
        reply,
        ({ client, storeId, emit }) => writeRules(client, storeId, emit, writes, deletes, (i) => `body.upsert.${i}`),
        (result, version) => ({
          status: 200,
          body: {
            upserted: result.written.length,
            unchanged: result.unchanged,
            deleted: result.deleted.length,
            pricingVersion: version,
          },
        }),
      );
    },
  });

  app.route({
    ...routeOf(api.validate),
    config: { roles: MANAGER_UP },
    handler: async (request) => {
      const id = typeof request.body.rule.id === 'string' ? request.body.rule.id : 'unsaved';
      const [write] = checkRuleWrites([{ id, rule: request.body.rule }], () => 'body.rule');
      return { valid: true as const, rule: write?.rule ?? {} };
    },
  });
};
