import { z } from 'zod';

/** Small shared pieces of the wire format. */

/** A position in the change feed: the `seq` of an event. JSON numbers hold it exactly up to 2^53. */
export const seqSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

export const storeIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a store id like "demo"');

export const skuSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, dots, dashes or underscores');

export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like "USD"');

/** Money on the wire: a decimal string, never a float. */
export const amountSchema = z
  .string()
  .regex(/^-?\d{1,12}(\.\d{1,4})?$/, 'must be a decimal string like "12.50" (at most 4 decimals)');

export const nonNegativeAmountSchema = amountSchema.refine((s) => !s.startsWith('-'), 'must not be negative');

/** Epoch milliseconds (UTC). */
export const epochMsSchema = z.int().min(0).max(8_640_000_000_000_000);

/** Ids made by the sender of a command: UUIDv7, so they sort by creation time. */
export const commandIdSchema = z.uuid({ version: 'v7', message: 'must be a UUIDv7 made by the sender' });

export const terminalIdSchema = z
  .string()
  .regex(/^term_[A-Za-z0-9_-]{1,80}$/, 'must be a terminal id like "term_0190…"');

/** Turns validation issues into one line a person can read: `lines.0.qty: must be at least 1; currency: …`. */
export function describeIssues(error: z.ZodError, prefix?: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path || 'message'}: ${issue.message}`;
    })
    .concat(error.issues.length > 5 ? [`and ${error.issues.length - 5} more problems`] : [])
    .join('; ');
}
