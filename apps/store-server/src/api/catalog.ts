import { z } from 'zod';
import { pricingBasisSchema } from './carts';
import {
  clientIdSchema,
  currencyCodeSchema,
  decimalString,
  errorSchema,
  idempotencyHeaders,
  moneySchema,
  pricingVersionSchema,
  skuSchema,
} from './common';
import { endpoint } from './endpoint';

export const productSchema = z.object({
  sku: z.string(),
  barcode: z.string().describe('EAN-13'),
  name: z.string(),
  category: z.string(),
  parentSku: z.string().nullable().describe('The product family a variant belongs to'),
  attributes: z.record(z.string(), z.string()),
  price: moneySchema.describe(
    'What one unit costs this shopper now, in the chosen currency: every rule that applies to the product alone ' +
      '(price lists, adjustments, discounts for their segments), before tax when the store’s prices exclude it',
  ),
  listPrice: moneySchema.describe('Per unit after price lists and price adjustments, before discounts'),
  basePrice: moneySchema.describe('The catalog’s base price, converted to the chosen currency'),
  discounts: z
    .array(z.object({ ruleId: z.string(), name: z.string().optional(), amount: z.string(), text: z.string() }))
    .describe('The discounts in `price`'),
  taxRate: z.string().describe('Fraction, e.g. "0.08875"'),
  available: z.number().int().describe('Units a shopper can still get: on hand minus held'),
});

const pricingQuery = {
  currency: currencyCodeSchema.optional().describe('Default: from the shopper’s country (GeoIP), else the store’s'),
  customerId: clientIdSchema.optional().describe('Price for this customer (their segments)'),
  channel: z.enum(['online', 'pos']).optional().describe('Price lists per channel; default by the key (terminal: pos)'),
};

export const catalogEndpoints = {
  list: endpoint({
    method: 'GET',
    path: '/v1/products',
    tags: ['catalog'],
    summary: 'List the catalog with prices and availability, page by page',
    description:
      'Each product carries its price for the shopper (the `currency` asked for, else their country’s, else the ' +
      'store’s; `customerId` adds their segments) and `available`. The answer names the rules snapshot and the ' +
      'exchange-rate snapshot it used.',
    schema: {
      querystring: z.object({
        category: z.string().max(64).optional(),
        q: z.string().trim().min(1).max(100).optional().describe('Part of a name, or an exact SKU or barcode'),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        cursor: skuSchema.optional().describe('nextCursor of the previous page'),
        ...pricingQuery,
      }),
      response: {
        200: z.object({ items: z.array(productSchema), nextCursor: z.string().nullable(), ...pricingBasisSchema }),
        400: errorSchema,
        422: errorSchema,
      },
    },
  }),
  get: endpoint({
    method: 'GET',
    path: '/v1/products/:sku',
    tags: ['catalog'],
    summary: 'One product by SKU (or by its EAN-13 barcode), with its price and availability',
    schema: {
      params: z.object({ sku: skuSchema }),
      querystring: z.object(pricingQuery),
      response: { 200: productSchema.extend(pricingBasisSchema), 400: errorSchema, 404: errorSchema, 422: errorSchema },
    },
  }),
  setBasePrice: endpoint({
    method: 'PUT',
    path: '/v1/products/:sku/price',
    tags: ['prices'],
    summary: 'Change a product’s base price',
    description:
      'The catalog is shared by the stores: every store’s pricing version is bumped and every store gets a ' +
      '`price.changed` event `{ sku, price, currency, priceListId: null, channel: "all" }`, in the same transaction.',
    schema: {
      params: z.object({ sku: skuSchema }),
      body: z.object({
        price: decimalString,
        currency: currencyCodeSchema.optional().describe('Must be the product’s currency when given'),
      }),
      headers: idempotencyHeaders,
      response: {
        200: z.object({
          sku: z.string(),
          price: moneySchema,
          changed: z.boolean(),
          pricingVersion: pricingVersionSchema,
        }),
        400: errorSchema,
        404: errorSchema,
      },
    },
  }),
};
