import { z } from 'zod';
import {
  clientIdSchema,
  decimalString,
  deletedSchema,
  errorSchema,
  idempotencyHeaders,
  moneySchema,
  pricingVersionSchema,
  skuSchema,
} from './common';
import { endpoint } from './endpoint';

export const channelSchema = z
  .enum(['all', 'pos', 'online'])
  .describe('Where a price list applies: terminals (pos), storefronts (online) or both (all)');

export const priceListSchema = z.object({
  id: z.string(),
  name: z.string(),
  channel: channelSchema,
  priority: z.number().int().describe('When several lists price a SKU for a channel, the highest priority wins'),
  currency: z.string().describe('The store’s currency: list prices are in it'),
  priceCount: z.number().int(),
  revision: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const listPriceSchema = z.object({ sku: z.string(), price: z.string() });
const priceListWithPrices = priceListSchema.extend({
  prices: z.array(listPriceSchema),
  pricingVersion: pricingVersionSchema,
});

export const priceListWriteSchema = z.object({
  name: z.string().trim().min(1).max(200),
  channel: channelSchema.default('all'),
  priority: z.number().int().min(-1000).max(1000).default(0),
  prices: z
    .array(z.object({ sku: skuSchema, price: decimalString }))
    .max(200_000)
    .optional()
    .describe('When given, the list’s prices become exactly these'),
});

const byId = z.object({ id: clientIdSchema });
const byIdAndSku = z.object({ id: clientIdSchema, sku: skuSchema });
const priceChangeSchema = z.object({
  priceListId: z.string(),
  sku: z.string(),
  price: moneySchema.nullable().describe('null: the SKU is no longer in the list'),
  pricingVersion: pricingVersionSchema,
});

export const priceListEndpoints = {
  list: endpoint({
    method: 'GET',
    path: '/v1/price-lists',
    tags: ['prices'],
    summary: 'Price lists of the store',
    schema: { response: { 200: z.object({ items: z.array(priceListSchema) }) } },
  }),
  get: endpoint({
    method: 'GET',
    path: '/v1/price-lists/:id',
    tags: ['prices'],
    summary: 'One price list with its prices',
    schema: { params: byId, response: { 200: priceListWithPrices, 404: errorSchema } },
  }),
  put: endpoint({
    method: 'PUT',
    path: '/v1/price-lists/:id',
    tags: ['prices'],
    summary: 'Create or replace a price list for a channel',
    description:
      'A list price replaces the product’s base price for the list’s channel before any rule applies. ' +
      'Writes `price_list.upserted` with the whole list, and bumps the pricing version.',
    schema: {
      params: byId,
      body: priceListWriteSchema,
      headers: idempotencyHeaders,
      response: { 200: priceListWithPrices, 201: priceListWithPrices, 400: errorSchema },
    },
  }),
  delete: endpoint({
    method: 'DELETE',
    path: '/v1/price-lists/:id',
    tags: ['prices'],
    summary: 'Delete a price list',
    schema: { params: byId, headers: idempotencyHeaders, response: { 200: deletedSchema, 404: errorSchema } },
  }),
  setPrice: endpoint({
    method: 'PUT',
    path: '/v1/price-lists/:id/prices/:sku',
    tags: ['prices'],
    summary: 'Set one SKU’s price in a price list',
    description: 'Writes a `price.changed` event `{ sku, price, currency, priceListId, channel }`.',
    schema: {
      params: byIdAndSku,
      body: z.object({ price: decimalString }),
      headers: idempotencyHeaders,
      response: { 200: priceChangeSchema, 400: errorSchema, 404: errorSchema },
    },
  }),
  removePrice: endpoint({
    method: 'DELETE',
    path: '/v1/price-lists/:id/prices/:sku',
    tags: ['prices'],
    summary: 'Take a SKU out of a price list (its base price applies again)',
    schema: {
      params: byIdAndSku,
      headers: idempotencyHeaders,
      response: { 200: priceChangeSchema, 404: errorSchema },
    },
  }),
};

export type PriceList = z.infer<typeof priceListSchema>;
export type PriceListWrite = z.infer<typeof priceListWriteSchema>;
export type Channel = z.infer<typeof channelSchema>;
