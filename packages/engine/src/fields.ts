import { Temporal } from 'temporal-polyfill';
import { z } from 'zod';
import { isCurrency } from './money';

/**
 * Field schemas shared by rules, pricing input and scenarios. Each refuses bad input with a
 * message that says what was expected, in words a store manager can act on.
 */

const DECIMAL = /^\d+(\.\d+)?$/;
const MAX_DECIMAL_PLACES = 10;

interface DecimalBounds {
  /** The value must be greater than zero. */
  positive?: boolean;
  /** Largest allowed value, e.g. 100 for a percentage. */
  max?: number;
}

/** A non-negative decimal string: "19.99". Numbers are refused so that no float carries money. */
export function decimalString(bounds: DecimalBounds = {}) {
  return z.unknown().check((ctx) => {
    const value = ctx.value;
    const problem = decimalProblem(value, bounds);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: value });
  }) as unknown as z.ZodType<string>;
}

function decimalProblem(value: unknown, bounds: DecimalBounds): string | undefined {
  if (value === undefined) return 'is required';
  if (typeof value === 'number') return `must be a decimal string such as "${value}", not a number`;
  if (typeof value !== 'string') return `must be a decimal string such as "19.99", got ${describe(value)}`;
  const text = value.trim();
  if (text.startsWith('-') && DECIMAL.test(text.slice(1))) return `must not be negative (got ${value})`;
  if (!DECIMAL.test(text) || text !== value)
    return `must be a decimal string such as "19.99", got ${JSON.stringify(value)}`;
  const places = text.split('.')[1]?.length ?? 0;
  if (places > MAX_DECIMAL_PLACES) return `has ${places} decimal places; at most ${MAX_DECIMAL_PLACES} are allowed`;
  const number = Number(text);
  if (bounds.positive && number === 0) return 'must be greater than 0';
  if (bounds.max !== undefined && number > bounds.max) return `must be at most ${bounds.max} (got ${value})`;
  return undefined;
}

export const amountSchema = decimalString();
export const positiveAmountSchema = decimalString({ positive: true });
/** A percentage in (0, 100]. */
export const percentSchema = decimalString({ positive: true, max: 100 });
/** A tax rate as a fraction: "0.0825". */
export const taxRateSchema = decimalString({ max: 10 });

export const currencySchema = z.unknown().check((ctx) => {
  if (!isCurrency(ctx.value)) {
    ctx.issues.push({
      code: 'custom',
      message: `must be an ISO 4217 currency code such as "USD", got ${describe(ctx.value)}`,
      input: ctx.value,
    });
  }
}) as unknown as z.ZodType<string>;

/** Parses an ISO 8601 instant with an offset ("2026-11-22T10:00:00.000Z") to epoch ms. */
export function parseInstant(value: string): number {
  return Temporal.Instant.from(value).epochMilliseconds;
}

export function instantProblem(value: unknown): string | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? undefined : `must be whole epoch milliseconds, got ${value}`;
  }
  if (typeof value !== 'string')
    return `must be an ISO 8601 instant such as "2026-11-22T10:00:00.000Z", got ${describe(value)}`;
  try {
    parseInstant(value);
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `must be an ISO 8601 instant with an offset, such as "2026-11-22T10:00:00.000Z" (${JSON.stringify(value)}: ${reason})`;
  }
}

/** An instant as an ISO 8601 string with an offset, or whole epoch milliseconds; normalised to ISO (UTC, ms). */
export const instantSchema = z
  .unknown()
  .check((ctx) => {
    const problem = instantProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  })
  .transform((value) => new Date(toEpochMs(value as string | number)).toISOString()) as unknown as z.ZodType<
  string,
  string | number
>;

export function toEpochMs(value: string | number): number {
  return typeof value === 'number' ? value : parseInstant(value);
}

export function timeZoneProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) {
    return `must be an IANA time zone such as "America/New_York", got ${describe(value)}`;
  }
  try {
    Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(value);
    return undefined;
  } catch {
    return `must be an IANA time zone such as "America/New_York", got ${JSON.stringify(value)}`;
  }
}

export const timeZoneSchema = z.unknown().check((ctx) => {
  const problem = timeZoneProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
}) as unknown as z.ZodType<string>;

export const nonEmptyString = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
