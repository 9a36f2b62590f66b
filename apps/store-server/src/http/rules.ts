import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { routeOf } from '../api/endpoint';
import { ruleEndpoints as api } from '../api/rules';
import { MANAGER_UP } from '../auth/plugin';
import { notFound } from '../errors';
import { applyPricingChange } from '../pricing/pricing-change';
import { checkRuleWrites, getRule, listRules, writeRules } from '../pricing/rules';
import { currentPricingVersion } from '../pricing/versions';
import { idempotentWrite } from './idempotency';
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
      return idempotentWrite(app.db, request, reply, storeId, async (client) => {
        const { result, versions } = await applyPricingChange(client, [storeId], (emit) =>
          writeRules(client, storeId, emit, writes, [], () => 'body'),
        );
        const rule = result.written[0] ?? (await getRule(client, storeId, id));
        if (!rule) throw new Error(`rule ${id} vanished during its write`);
        return {
          status: result.created.length > 0 ? 201 : 200,
          body: { ...rule, pricingVersion: versions.get(storeId) ?? 0 },
        };
      });
    },
  });

  app.route({
    ...routeOf(api.delete),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => {
      const storeId = storeIn(request);
      const { id } = request.params;
      return idempotentWrite(app.db, request, reply, storeId, async (client) => {
        const { result, versions } = await applyPricingChange(client, [storeId], (emit) =>
          writeRules(client, storeId, emit, [], [id]),
        );
        if (result.deleted.length === 0) throw notFound(`Rule ${id}`, { id });
        return { status: 200, body: { id, deleted: true as const, pricingVersion: versions.get(storeId) ?? 0 } };
      });
    },
  });

  app.route({
    ...routeOf(api.batch),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => {
      const storeId = storeIn(request);
      const { upsert, delete: deletes } = request.body;
      const writes = checkRuleWrites(
        upsert.map((u) => ({ ...u, id: u.rule.id })),
        (i) => `body.upsert.${i}.rule`,
      );
      return idempotentWrite(app.db, request, reply, storeId, async (client) => {
        const { result, versions } = await applyPricingChange(client, [storeId], (emit) =>
          writeRules(client, storeId, emit, writes, deletes, (i) => `body.upsert.${i}`),
        );
        return {
          status: 200,
          body: {
            upserted: result.written.length,
            unchanged: result.unchanged,
            deleted: result.deleted.length,
            pricingVersion: versions.get(storeId) ?? 0,
          },
        };
      });
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
