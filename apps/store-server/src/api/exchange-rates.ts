import { z } from 'zod';
import { clientIdSchema, currencyCodeSchema, errorSchema, idempotencyHeaders, instantSchema } from './common';
import { endpoint } from './endpoint';

const rateSchema = z
  .string()
  .trim()
  .regex(/^\d{1,12}(\.\d{1,12})?$/, 'must be a decimal string like "0.9213"')
  .refine((v) => !/^0*(\.0*)?$/.test(v), 'must be more than 0');

export const ratesSnapshotSchema = z
  .object({
    id: z.string(),
    base: z.string().describe('Rates are units of each currency per one unit of base'),
    asOf: z.string().describe('When the rates are valid from'),
    source: z.enum(['manual', 'feed']),
    sourceUrl: z.string().nullable(),
    receivedAt: z.string(),
    rates: z.record(z.string(), z.string()),
  })
  .describe('One publication of exchange rates; never changed once stored');

export const ratesFeedStatusSchema = z.object({
  url: z.string(),
  intervalMs: z.number().int(),
  lastAttemptAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastError: z.string().nullable().describe('Why the last fetch failed; the stored rates stay in use meanwhile'),
  lastSnapshotId: z.string().nullable(),
});

export const exchangeRateEndpoints = {
  current: endpoint({
    method: 'GET',
    path: '/v1/exchange-rates',
    tags: ['currency'],
    summary: 'The exchange rates that price carts now',
    description:
      'The newest snapshot that can convert from `base` (default: the store’s currency), with its rates ' +
      'expressed per one unit of `base` (cross rates when the snapshot was published in another base, as ' +
      'the ECB publishes per EUR), and the state of the configured feed.',
    schema: {
      querystring: z.object({ base: currencyCodeSchema.optional() }),
      response: {
        200: z.object({
          base: z.string(),
          snapshot: ratesSnapshotSchema.nullable(),
          feed: ratesFeedStatusSchema.nullable(),
        }),
        400: errorSchema,
      },
    },
  }),
  put: endpoint({
    method: 'PUT',
    path: '/v1/exchange-rates/:id',
    tags: ['currency'],
    summary: 'Publish a snapshot of exchange rates',
    description:
      'Rates are units of each currency per one unit of `base`. A snapshot is never changed: the same id ' +
      'with the same rates is a safe retry (200), with other rates a 409. Writes `rates.updated` to every store.',
    schema: {
      params: z.object({ id: clientIdSchema }),
      body: z.object({
        base: currencyCodeSchema,
        asOf: instantSchema.optional().describe('Default: now'),
        rates: z
          .record(z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code like "EUR"'), rateSchema)
          .refine((r) => Object.keys(r).length > 0, 'must hold at least one rate'),
      }),
      headers: idempotencyHeaders,
      response: { 200: ratesSnapshotSchema, 201: ratesSnapshotSchema, 400: errorSchema, 409: errorSchema },
    },
  }),
  refresh: endpoint({
    method: 'POST',
    path: '/v1/exchange-rates/refresh',
    tags: ['currency'],
    summary: 'Fetch the configured rates feed now',
    description:
      'A feed that cannot be fetched or read answers 502 `RATES_FEED_FAILED` saying why; the stored rates stay ' +
      'in use. Without RATES_FEED_URL: 409 `RATES_FEED_NOT_CONFIGURED`.',
    schema: {
      response: {
        200: z.object({ outcome: z.enum(['stored', 'unchanged']), snapshot: ratesSnapshotSchema }),
        409: errorSchema,
        502: errorSchema,
      },
    },
  }),
};
