import { z } from 'zod';
import {
  clientIdSchema,
  deletedSchema,
  errorSchema,
  idempotencyHeaders,
  instantSchema,
  pricingVersionSchema,
} from './common';
import { endpoint } from './endpoint';
import { identifiedRuleSchema, storedRuleSchema } from './rules';

export const campaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  status: z
    .enum(['scheduled', 'running', 'ended'])
    .describe('Where the campaign stands at the time of the answer (its window decides, not a switch)'),
  ruleIds: z.array(z.string()),
  revision: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const campaignWithRules = campaignSchema.extend({
  rules: z.array(storedRuleSchema),
  pricingVersion: pricingVersionSchema,
});

export const campaignWriteSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).default(''),
    startsAt: instantSchema,
    endsAt: instantSchema,
    rules: z
      .array(identifiedRuleSchema)
      .max(1_000)
      .optional()
      .describe('When given, the campaign’s rules become exactly these (others of the campaign are deleted)'),
  })
  .refine((c) => Date.parse(c.endsAt) > Date.parse(c.startsAt), {
    message: 'must be after startsAt',
    path: ['endsAt'],
  });

const byId = z.object({ id: clientIdSchema });

export const campaignEndpoints = {
  list: endpoint({
    method: 'GET',
    path: '/v1/campaigns',
    tags: ['campaigns'],
    summary: 'Campaigns (flash sales) of the store, newest start first',
    schema: {
      querystring: z.object({ status: z.enum(['scheduled', 'running', 'ended']).optional() }),
      response: { 200: z.object({ items: z.array(campaignSchema) }), 400: errorSchema },
    },
  }),
  get: endpoint({
    method: 'GET',
    path: '/v1/campaigns/:id',
    tags: ['campaigns'],
    summary: 'One campaign with its rules',
    schema: { params: byId, response: { 200: campaignWithRules, 404: errorSchema } },
  }),
  put: endpoint({
    method: 'PUT',
    path: '/v1/campaigns/:id',
    tags: ['campaigns'],
    summary: 'Schedule a campaign: a named group of rules with a start and an end',
    description:
      'A campaign starts and stops by its window alone: each of its rules is active only inside both its ' +
      'own window and the campaign’s, so terminals switch at the right millisecond without a message. ' +
      'Writes `campaign.upserted` (with the campaign’s rules) and a `rule.upserted` / `rule.deleted` for ' +
      'every rule whose effective window or content changed, in one transaction.',
    schema: {
      params: byId,
      body: campaignWriteSchema,
      headers: idempotencyHeaders,
      response: { 200: campaignWithRules, 201: campaignWithRules, 400: errorSchema },
    },
  }),
  end: endpoint({
    method: 'POST',
    path: '/v1/campaigns/:id/end',
    tags: ['campaigns'],
    summary: 'Stop a running campaign now: its end moves to now',
    description:
      'A campaign that has not started is refused with 409 (delete it or move its start); one that has ' +
      'ended already is returned as it is.',
    schema: {
      params: byId,
      headers: idempotencyHeaders,
      response: { 200: campaignWithRules, 404: errorSchema, 409: errorSchema },
    },
  }),
  delete: endpoint({
    method: 'DELETE',
    path: '/v1/campaigns/:id',
    tags: ['campaigns'],
    summary: 'Delete a campaign and its rules',
    schema: {
      params: byId,
      headers: idempotencyHeaders,
      response: { 200: deletedSchema.extend({ ruleIds: z.array(z.string()) }), 404: errorSchema },
    },
  }),
};

export type Campaign = z.infer<typeof campaignSchema>;
export type CampaignWrite = z.infer<typeof campaignWriteSchema>;
