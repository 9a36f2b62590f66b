import { z } from 'zod';

/** Schema pieces shared by the endpoints of rules, prices, customers and rates. */

export { errorSchema, moneySchema, skuSchema } from '../http/schemas';

/** Ids made by the client (a UUIDv7, or a readable slug like "black-friday-2026"). */
export const clientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1–128 letters, digits, dots, colons, dashes or underscores')
  .describe('An id chosen by the client (a UUIDv7 or a readable slug)');

export const decimalString = z
  .string()
  .trim()
  .regex(/^\d{1,10}(\.\d{1,4})?$/, 'must be a decimal string like "19.99" (at most 4 decimals)');

export const currencyCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code like "EUR"')
  .describe('ISO 4217 currency code');

export const instantSchema = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 instant like "2026-11-27T05:00:00.000Z"' })
  .describe('ISO 8601 instant');

export const segmentSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a segment name like "gold" (letters, digits, - or _)');

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('A key made by the client (a UUIDv7): a retried write with the same key takes effect once'),
});

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
};

/** The version of a store's pricing data after a change: the rules snapshot that now prices carts. */
export const pricingVersionSchema = z
  .number()
  .int()
  .describe('Version of the store’s pricing data (rules, campaigns, price lists, base prices)');

export const deletedSchema = z.object({
  id: z.string(),
  deleted: z.literal(true),
  pricingVersion: pricingVersionSchema,
});
