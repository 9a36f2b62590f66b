import { z } from 'zod';
import { clientIdSchema, currencyCodeSchema, decimalString, errorSchema, instantSchema, skuSchema } from './common';
import { endpoint } from './endpoint';

/** What every priced answer says about how it was priced: which rules, which rates, which currency and why. */
export const pricingBasisSchema = {
  currency: z.string().describe('ISO 4217 code of every amount in this answer'),
  currencySource: z
    .enum(['parameter', 'geoip', 'store'])
    .describe('Why this currency: asked for, the shopper’s country (GeoIP), or the store’s own'),
  country: z.string().nullable().describe('The country GeoIP found for the request, when it looked'),
  rulesSnapshot: z
    .object({
      id: z.string().describe('"<store>@<version>"'),
      version: z.number().int(),
    })
    .describe('The one consistent set of rules (pricing version) that priced this answer'),
  ratesSnapshot: z
    .object({
      id: z.string(),
      base: z.string(),
      asOf: z.string(),
      source: z.enum(['manual', 'feed']),
      rate: z.string().describe('Units of `currency` per one unit of `base`'),
    })
    .nullable()
    .describe('The exchange-rate snapshot that converted prices; null when no conversion was needed'),
  pricedAt: z.string().describe('The moment priced (ISO 8601)'),
  nextPriceChange: z
    .string()
    .nullable()
    .describe('When a rule concerning these products next starts or stops: the price holds until then'),
};

const ruleKind = z.string().describe('price | priceList | discount | tiered | mixMatch | threshold | shipping');

const nearMissSchema = z.object({
  ruleId: z.string(),
  kind: ruleKind,
  name: z.string().optional(),
  reason: z.string().describe('coupon | segment | window | threshold | quantity'),
  text: z.string().describe('What is missing, in words for a receipt or a screen'),
  shortBy: z.string().optional(),
  unitsShort: z.number().int().optional(),
  startsAt: z.string().optional(),
  lines: z.array(z.number().int()),
});

const appliedDiscountSchema = z.object({
  ruleId: z.string(),
  kind: ruleKind,
  name: z.string().optional(),
  amount: z.string(),
  text: z.string(),
});

export const pricedLineSchema = z.object({
  sku: z.string(),
  qty: z.number().int(),
  basePrice: z.string().describe('Per unit, in the cart currency, before adjustments'),
  unitPrice: z.string().describe('Per unit after price adjustments and price lists, before discounts'),
  adjustment: z
    .object({
      ruleId: z.string(),
      kind: z.string(),
      name: z.string().optional(),
      from: z.string(),
      to: z.string(),
      text: z.string(),
    })
    .nullable(),
  subtotal: z.string(),
  discounts: z.array(appliedDiscountSchema),
  discount: z.string(),
  total: z.string().describe('What the line costs after every discount'),
  taxRate: z.string(),
  tax: z.string(),
  nearMisses: z.array(nearMissSchema),
});

export const pricedCartSchema = z
  .object({
    ...pricingBasisSchema,
    baseCurrency: z.string(),
    taxIncluded: z.boolean(),
    stacking: z.enum(['withinPriority', 'acrossPriorities']),
    customer: z.object({ id: z.string(), segments: z.array(z.string()) }).nullable(),
    lines: z.array(pricedLineSchema),
    totals: z.object({
      subtotal: z.string(),
      discount: z.string().describe('subtotal − Σ line totals (shipping discounts not included)'),
      tax: z.string(),
      shippingCharge: z.string(),
      shippingDiscount: z.string(),
      shipping: z.string(),
      total: z.string().describe('What the customer pays'),
    }),
    rulesUsed: z.array(z.string()),
    approximate: z.boolean().describe('True only when a best-deal search hit its size limit'),
    explanations: z.object({
      applied: z.array(
        z.object({
          ruleId: z.string(),
          kind: ruleKind,
          name: z.string().optional(),
          amount: z.string(),
          text: z.string(),
          lines: z.array(z.number().int()),
        }),
      ),
      nearMisses: z.array(nearMissSchema),
      coupons: z.array(z.object({ code: z.string(), status: z.string(), text: z.string() })),
    }),
  })
  .describe('A cart priced by the pricing engine; amounts are decimal strings in `currency`');

export const cartLineSchema = z.object({
  sku: skuSchema,
  qty: z.number().int('must be a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000'),
});

export const priceCartBodySchema = z
  .object({
    lines: z.array(cartLineSchema).min(1, 'must hold at least one line').max(500, 'must hold at most 500 lines'),
    customerId: clientIdSchema.optional().describe('A customer of the store: their segments apply'),
    coupons: z.array(z.string().trim().min(1).max(64)).max(20).default([]),
    currency: currencyCodeSchema.optional().describe('Default: from the shopper’s country (GeoIP), else the store’s'),
    channel: z
      .enum(['online', 'pos'])
      .optional()
      .describe('Price lists per channel; default by the key (terminal: pos)'),
    shipping: z.object({ price: decimalString }).optional().describe('Shipping charge before shipping rules'),
    at: instantSchema.optional().describe('Price at another moment (a preview); default now'),
  })
  .meta({
    examples: [
      {
        lines: [
          { sku: 'TOY-00001', qty: 2 },
          { sku: 'HOM-00001-01', qty: 1 },
        ],
        customerId: 'demo-ada',
        coupons: ['SAVE10'],
        currency: 'EUR',
      },
    ],
  });

export const cartEndpoints = {
  price: endpoint({
    method: 'POST',
    path: '/v1/carts/price',
    tags: ['carts'],
    summary: 'Price a cart with the pricing engine',
    description:
      'Lines, totals and explanations (rules applied, near misses, coupon outcomes), priced from one consistent ' +
      'snapshot of the store’s rules, named in `rulesSnapshot`. The currency is the `currency` asked for, else ' +
      'the shopper’s country’s (GeoIP on the request’s address), else the store’s; a converted price names its ' +
      '`ratesSnapshot`. Unknown SKUs, customers or currencies are refused naming the field; nothing is stored.',
    schema: {
      body: priceCartBodySchema,
      response: { 200: pricedCartSchema, 400: errorSchema, 422: errorSchema },
    },
  }),
};

export type PricedCartBody = z.infer<typeof pricedCartSchema>;
export type PriceCartBody = z.infer<typeof priceCartBodySchema>;
