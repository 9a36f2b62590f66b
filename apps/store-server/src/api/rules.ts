import { z } from 'zod';
import {
  clientIdSchema,
  deletedSchema,
  errorSchema,
  idempotencyHeaders,
  pageQuery,
  pricingVersionSchema,
} from './common';
import { endpoint } from './endpoint';

/**
 * A rule in the pricing engine's JSON format. The engine's own validator checks it when it
 * is written; a bad rule is refused with 400 naming the field, and nothing is stored.
 */
export const engineRuleSchema = z
  .looseObject({
    id: clientIdSchema.optional().describe('Defaults to the id in the path'),
    kind: z.string().describe('price | discount | tiered | mixMatch | threshold | shipping'),
  })
  .describe(
    'A pricing rule in the engine’s JSON format (shared/pricing-scenarios/FORMAT.md): common fields ' +
      '`priority`, `concurrency`, `appliesTo`, `segments`, `coupon`, `validFrom`, `validTo`, `recurrence`, ' +
      'plus the fields of its kind.',
  )
  .meta({
    examples: [
      {
        id: 'gold-home-15',
        kind: 'discount',
        segments: ['gold'],
        appliesTo: { categories: ['home'] },
        percentOff: '15',
      },
    ],
  });

export const storedRuleSchema = z.object({
  id: z.string(),
  rule: z.record(z.string(), z.unknown()).describe('The rule as stored (the engine’s JSON)'),
  campaignId: z.string().nullable(),
  enabled: z.boolean(),
  effective: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      'What prices carts: the rule with its campaign’s window applied; null when disabled or when the ' +
        'rule’s window and its campaign’s never meet',
    ),
  revision: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** In a list of rules (a batch, a campaign) each rule names its own id. */
export const identifiedRuleSchema = engineRuleSchema.extend({ id: clientIdSchema });

export const ruleWriteSchema = z.object({
  rule: engineRuleSchema,
  campaignId: clientIdSchema.nullable().optional().describe('The campaign this rule belongs to'),
  enabled: z.boolean().default(true),
});

const byId = z.object({ id: clientIdSchema });
const ruleResult = storedRuleSchema.extend({ pricingVersion: pricingVersionSchema });

export const ruleEndpoints = {
  list: endpoint({
    method: 'GET',
    path: '/v1/rules',
    tags: ['pricing rules'],
    summary: 'The store’s pricing rules, page by page',
    schema: {
      querystring: z.object({
        campaignId: clientIdSchema.optional(),
        kind: z.string().max(32).optional(),
        ...pageQuery,
      }),
      response: {
        200: z.object({
          items: z.array(storedRuleSchema),
          nextCursor: z.string().nullable(),
          pricingVersion: pricingVersionSchema,
        }),
        400: errorSchema,
      },
    },
  }),
  get: endpoint({
    method: 'GET',
    path: '/v1/rules/:id',
    tags: ['pricing rules'],
    summary: 'One pricing rule',
    schema: { params: byId, response: { 200: storedRuleSchema, 404: errorSchema } },
  }),
  put: endpoint({
    method: 'PUT',
    path: '/v1/rules/:id',
    tags: ['pricing rules'],
    summary: 'Create or replace a pricing rule',
    description:
      'The rule is checked by the pricing engine’s validator; a bad rule is refused with 400 ' +
      '`VALIDATION_FAILED` naming each field (e.g. `body.rule.percentOff`) and nothing is stored. ' +
      'A change bumps the store’s pricing version and writes a `rule.upserted` event in the same ' +
      'transaction; writing what is already stored changes nothing.',
    schema: {
      params: byId,
      body: ruleWriteSchema,
      headers: idempotencyHeaders,
      response: { 200: ruleResult, 201: ruleResult, 400: errorSchema, 404: errorSchema },
    },
  }),
  delete: endpoint({
    method: 'DELETE',
    path: '/v1/rules/:id',
    tags: ['pricing rules'],
    summary: 'Delete a pricing rule',
    description: 'Writes a `rule.deleted` event and bumps the pricing version.',
    schema: { params: byId, headers: idempotencyHeaders, response: { 200: deletedSchema, 404: errorSchema } },
  }),
  batch: endpoint({
    method: 'POST',
    path: '/v1/rules/batch',
    tags: ['pricing rules'],
    summary: 'Create, replace and delete many rules at once (one transaction, one new pricing version)',
    description:
      'Every rule is validated first; one bad rule refuses the whole batch (its field named as ' +
      '`body.upsert.3.rule.percentOff`) and nothing is stored. Carts are priced with all of the ' +
      'batch or none of it.',
    schema: {
      body: z
        .object({
          upsert: z
            .array(ruleWriteSchema.extend({ rule: identifiedRuleSchema }))
            .max(10_000)
            .default([]),
          delete: z.array(clientIdSchema).max(10_000).default([]),
        })
        .refine((b) => b.upsert.length + b.delete.length > 0, { message: 'give rules to upsert or ids to delete' }),
      headers: idempotencyHeaders,
      response: {
        200: z.object({
          upserted: z.number().int().describe('Rules created or changed'),
          unchanged: z.number().int(),
          deleted: z.number().int(),
          pricingVersion: pricingVersionSchema,
        }),
        400: errorSchema,
        404: errorSchema,
      },
    },
  }),
  validate: endpoint({
    method: 'POST',
    path: '/v1/rules/validate',
    tags: ['pricing rules'],
    summary: 'Check a rule with the engine’s validator without storing it',
    schema: {
      body: z.object({ rule: engineRuleSchema }),
      response: {
        200: z.object({ valid: z.literal(true), rule: z.record(z.string(), z.unknown()) }),
        400: errorSchema,
      },
    },
  }),
};

export type StoredRule = z.infer<typeof storedRuleSchema>;
export type RuleWrite = z.infer<typeof ruleWriteSchema>;
