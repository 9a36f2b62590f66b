import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { campaignEndpoints as api } from '../api/campaigns';
import { routeOf } from '../api/endpoint';
import { MANAGER_UP } from '../auth/plugin';
import { notFound } from '../errors';
import { deleteCampaign, endCampaign, getCampaign, listCampaigns, putCampaign } from '../pricing/campaigns';
import { checkRuleWrites } from '../pricing/rules';
import { currentPricingVersion } from '../pricing/versions';
import { pricingWrite } from './pricing-write';
import { storeIn } from './store-param';

export const campaignRoutes: FastifyPluginAsyncZod = async (app) => {
  /** The campaign as it is after a write, with the pricing version the write produced. */
  async function answer(db: Parameters<typeof getCampaign>[0], storeId: string, id: string, version: number) {
    const campaign = await getCampaign(db, storeId, id);
    if (!campaign) throw notFound(`Campaign ${id}`, { id });
    return { ...campaign, pricingVersion: version };
  }

  app.route({
    ...routeOf(api.list),
    config: { roles: MANAGER_UP },
    handler: async (request) => ({ items: await listCampaigns(app.db, storeIn(request), request.query.status) }),
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
      const storeId = storeIn(request);
      const { id } = request.params;
      const body = request.body;
      const rules = body.rules
        ? checkRuleWrites(
            body.rules.map((rule) => ({ id: rule.id, rule, campaignId: id })),
            (i) => `body.rules.${i}`,
          )
        : undefined;
      const fields = {
        name: body.name,
        description: body.description,
        startsAt: new Date(body.startsAt),
        endsAt: new Date(body.endsAt),
      };
      return pricingWrite(
        app,
        request,
        reply,
        ({ client, emit }) => putCampaign(client, storeId, id, fields, rules, emit),
        async (result, version, client) => ({
          status: result.created ? 201 : 200,
          body: await answer(client, storeId, id, version),
        }),
      );
    },
  });

  app.route({
    ...routeOf(api.end),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => {
      const storeId = storeIn(request);
      const { id } = request.params;
      return pricingWrite(
        app,
        request,
        reply,
        ({ client, emit }) => endCampaign(client, storeId, id, new Date(), emit),
        async (_, version, client) => ({ status: 200, body: await answer(client, storeId, id, version) }),
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
        ({ client, storeId, emit }) => deleteCampaign(client, storeId, id, emit),
        (ruleIds, version) => ({
          status: 200,
          body: { id, deleted: true as const, ruleIds, pricingVersion: version },
        }),
      );
    },
  });
};
