import { z } from 'zod';
import {
  amountSchema,
  instantSchema,
  nonEmptyString,
  percentSchema,
  positiveAmountSchema,
  timeZoneSchema,
  toEpochMs,
} from './fields';
import { localDateProblem, rruleProblem, startProblem } from './recurrence';

/**
 * The engine's rule model, as JSON. It is a superset of the public scenario format
 * (../shared/pricing-scenarios/FORMAT.md): every scenario rule is a valid rule here and
 * means the same. Amounts are decimal strings in the base currency; instants are ISO 8601
 * strings with an offset or epoch ms, stored normalised as ISO UTC with milliseconds.
 */

export const RULE_KINDS = ['price', 'priceList', 'discount', 'tiered', 'mixMatch', 'threshold', 'shipping'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export const CONCURRENCIES = ['exclusive', 'bestPrice', 'compound'] as const;
export type Concurrency = (typeof CONCURRENCIES)[number];

const idList = z.array(nonEmptyString).min(1, 'must name at least one');

export const scopeSchema = z
  .strictObject({
    skus: idList.optional().describe('SKUs named'),
    categories: idList.optional().describe('categories named'),
  })
  .describe('Products a rule applies to: a product matches if either list names it');

function checked<T extends z.ZodType>(schema: T, problem: (value: unknown) => string | undefined): T {
  return schema.check((ctx) => {
    const message = problem(ctx.value);
    if (message) ctx.issues.push({ code: 'custom', message, input: ctx.value });
  });
}

export const recurrenceSchema = z
  .strictObject({
    rrule: checked(z.string(), rruleProblem).describe('RFC 5545 RRULE naming dates, e.g. "FREQ=WEEKLY;BYDAY=SA"'),
    start: checked(z.string(), startProblem).describe('Local time the window opens, "HH:MM"'),
    durationMinutes: z
      .number()
      .int('must be whole minutes')
      .min(1, 'must be at least 1')
      .max(7 * 24 * 60, 'must be at most 10080 (a week)'),
    startDate: checked(z.string(), localDateProblem).optional().describe('Local date the RRULE counts from'),
    timeZone: timeZoneSchema.optional().describe('IANA zone; default: the store zone'),
  })
  .describe('Recurring windows: on each date the RRULE names, open at start for durationMinutes');

const common = {
  id: nonEmptyString.describe('Unique rule id'),
  name: z.string().max(200).optional().describe('Shown to people in explanations'),
  priority: z.number().int('must be a whole number').optional().describe('Higher is considered first (default 0)'),
  concurrency: z.enum(CONCURRENCIES).optional().describe('exclusive | bestPrice (default) | compound'),
  appliesTo: scopeSchema.optional(),
  excludes: scopeSchema.optional().describe('Products never eligible, even when appliesTo names them'),
  segments: idList.optional().describe('The customer must be in at least one'),
  coupon: z
    .union([nonEmptyString, z.array(nonEmptyString).min(1, 'must name at least one code')])
    .optional()
    .describe('A code (or any of several) the customer must enter; compared trimmed, case-insensitively'),
  stackable: z.boolean().optional().describe('false: this coupon is not combined with other coupons'),
  stores: idList.optional().describe('Only in these stores (price lists per store)'),
  channels: idList.optional().describe('Only in these channels, e.g. "pos", "web"'),
  validFrom: instantSchema.optional().describe('Inclusive start'),
  validTo: instantSchema.optional().describe('Exclusive end'),
  recurrence: recurrenceSchema.optional(),
};

const percentOrAmount = {
  percentOff: percentSchema.optional(),
  amountOff: positiveAmountSchema.optional(),
};

const priceRule = z.strictObject({
  ...common,
  kind: z.literal('price'),
  price: amountSchema.describe('Unit price; the lowest of the base price and every active adjustment wins'),
});

const priceListRule = z.strictObject({
  ...common,
  kind: z.literal('priceList'),
  prices: z
    .array(z.strictObject({ sku: nonEmptyString, price: amountSchema }))
    .min(1, 'must list at least one price')
    .max(1_000_000),
  override: z
    .boolean()
    .optional()
    .describe('true: replaces the base price (may be higher); false (default): an adjustment like kind "price"'),
});

const discountRule = z.strictObject({ ...common, kind: z.literal('discount'), ...percentOrAmount });

const tierSchema = z.strictObject({
  minQty: z.number().int('must be a whole number').min(1, 'must be at least 1'),
  ...percentOrAmount,
  price: amountSchema.optional(),
});

const tieredRule = z.strictObject({
  ...common,
  kind: z.literal('tiered'),
  tiers: z.array(tierSchema).min(1, 'must have at least one tier').max(100),
});

const groupSchema = z.strictObject({
  skus: idList.optional(),
  categories: idList.optional(),
  qty: z.number().int('must be a whole number').min(1, 'must be at least 1').max(20, 'must be at most 20'),
  discounted: z
    .boolean()
    .optional()
    .describe('Buy X get Y: when any group is marked, the benefit goes to the marked groups only'),
});

const mixMatchRule = z.strictObject({
  ...common,
  kind: z.literal('mixMatch'),
  groups: z.array(groupSchema).min(1, 'must have at least one group').max(10, 'must have at most 10 groups'),
  dealPrice: amountSchema.optional(),
  ...percentOrAmount,
  leastExpensiveFree: z.literal(true).optional(),
  maxApplications: z.number().int().min(1).optional().describe('At most this many sets per cart'),
});

const thresholdRule = z.strictObject({
  ...common,
  kind: z.literal('threshold'),
  minSubtotal: amountSchema,
  ...percentOrAmount,
});

const shippingRule = z.strictObject({
  ...common,
  kind: z.literal('shipping'),
  minSubtotal: amountSchema.optional(),
  ...percentOrAmount,
  free: z.literal(true).optional(),
});

const ruleUnion = z.discriminatedUnion(
  'kind',
  [priceRule, priceListRule, discountRule, tieredRule, mixMatchRule, thresholdRule, shippingRule],
  {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
      const expected = `expected one of ${RULE_KINDS.join(', ')}`;
      return kind === undefined ? `is required (${expected})` : `unknown kind ${JSON.stringify(kind)}; ${expected}`;
    },
  },
);

type Issue = { path: (string | number)[]; message: string };

function exactlyOne(value: Record<string, unknown>, fields: readonly string[], where: (string | number)[]): Issue[] {
  const present = fields.filter((field) => value[field] !== undefined);
  if (present.length === 1) return [];
  const list = fields.join(', ');
  if (present.length === 0) return [{ path: where, message: `needs one of ${list}` }];
  return [{ path: [...where, present[1] as string], message: `give only one of ${present.join(', ')}` }];
}

/** Checks across fields that a per-field schema cannot see. */
function crossFieldIssues(rule: z.output<typeof ruleUnion>): Issue[] {
  const issues: Issue[] = [];
  if (
    rule.validFrom !== undefined &&
    rule.validTo !== undefined &&
    toEpochMs(rule.validTo) <= toEpochMs(rule.validFrom)
  ) {
    issues.push({
      path: ['validTo'],
      message: `must be after validFrom (${rule.validFrom}): the window would end before it starts`,
    });
  }
  if (rule.stackable !== undefined && rule.coupon === undefined) {
    issues.push({ path: ['stackable'], message: 'only means something for a rule with a coupon' });
  }
  switch (rule.kind) {
    case 'discount':
    case 'threshold':
      issues.push(...exactlyOne(rule, ['percentOff', 'amountOff'], []));
      break;
    case 'shipping':
      issues.push(...exactlyOne(rule, ['percentOff', 'amountOff', 'free'], []));
      break;
    case 'mixMatch':
      if (rule.concurrency === 'compound') {
        issues.push({
          path: ['concurrency'],
          message: 'a mixMatch rule cannot be compound: a set takes its deal alone (use exclusive or bestPrice)',
        });
      }
      issues.push(...exactlyOne(rule, ['dealPrice', 'percentOff', 'amountOff', 'leastExpensiveFree'], []));
      if (rule.groups.reduce((sum, group) => sum + group.qty, 0) > 20) {
        issues.push({ path: ['groups'], message: 'a set may hold at most 20 units in all' });
      }
      break;
    case 'tiered':
      rule.tiers.forEach((tier, index) => {
        issues.push(...exactlyOne(tier, ['percentOff', 'amountOff', 'price'], ['tiers', index]));
        const previous = rule.tiers[index - 1];
        if (previous && tier.minQty <= previous.minQty) {
          issues.push({
            path: ['tiers', index, 'minQty'],
            message:
              tier.minQty === previous.minQty
                ? `overlaps tier ${index - 1}: both start at ${tier.minQty} units`
                : `must be greater than the previous tier's minQty (${previous.minQty}): list tiers from the smallest quantity up`,
          });
        }
      });
      break;
    case 'priceList': {
      const seen = new Map<string, number>();
      rule.prices.forEach((entry, index) => {
        const first = seen.get(entry.sku);
        if (first !== undefined) {
          issues.push({
            path: ['prices', index, 'sku'],
            message: `${entry.sku} is listed twice (also at prices[${first}])`,
          });
        } else {
          seen.set(entry.sku, index);
        }
      });
      if ('appliesTo' in rule && rule.appliesTo) {
        issues.push({ path: ['appliesTo'], message: 'a price list names its SKUs in prices' });
      }
      break;
    }
    default:
      break;
  }
  return issues;
}

export const ruleSchema = ruleUnion.superRefine((rule, ctx) => {
  for (const issue of crossFieldIssues(rule))
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

/** A rule as stored and sent: the output of validateRule/parseRules. */
export type Rule = z.output<typeof ruleSchema>;
/** A rule as a client may write it (instants as epoch ms or any ISO offset). */
export type RuleInput = z.input<typeof ruleSchema>;
export type PriceRule = Extract<Rule, { kind: 'price' }>;
export type PriceListRule = Extract<Rule, { kind: 'priceList' }>;
export type DiscountRule = Extract<Rule, { kind: 'discount' }>;
export type TieredRule = Extract<Rule, { kind: 'tiered' }>;
export type MixMatchRule = Extract<Rule, { kind: 'mixMatch' }>;
export type ThresholdRule = Extract<Rule, { kind: 'threshold' }>;
export type ShippingRule = Extract<Rule, { kind: 'shipping' }>;
export type Scope = z.output<typeof scopeSchema>;
export type Tier = TieredRule['tiers'][number];
export type MixMatchGroup = MixMatchRule['groups'][number];
