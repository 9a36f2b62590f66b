import { z } from 'zod';

/** Shared pieces of the public API's schemas. */

export const errorSchema = z
  .object({
    error: z.looseObject({ code: z.string(), message: z.string() }),
  })
  .describe('Every failure has this shape');

export const moneySchema = z
  .object({
    amount: z.string().describe('Decimal string, never a float'),
    currency: z.string().length(3).describe('ISO 4217 code'),
  })
  .describe('An amount of money');

export const skuSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, dots, dashes or underscores');

export const storeIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a store id like "demo"');
