import { z } from 'zod';
import { clientIdSchema, errorSchema, idempotencyHeaders, pageQuery, segmentSchema } from './common';
import { endpoint } from './endpoint';

const phoneInput = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ().-]{4,30}$/, 'must be a phone number: digits, spaces, "+", "(", ")", "-" or "."')
  .refine((v) => v.replace(/\D/g, '').length >= 4 && v.replace(/\D/g, '').length <= 20, 'must have 4 to 20 digits');

const loyaltyCardInput = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9-]{4,40}$/, 'must be 4–40 letters, digits or dashes');

export const customerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable().describe('Normalised: "+" and digits only'),
    loyaltyCard: z.string().nullable(),
    segments: z.array(z.string()).describe('e.g. ["gold"]; segment rules look at these'),
    revision: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('A customer of the store');

export const customerInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email('must be an email address').max(320).nullable().optional(),
  phone: phoneInput.nullable().optional(),
  loyaltyCard: loyaltyCardInput.nullable().optional(),
  segments: z
    .array(segmentSchema)
    .max(20)
    .default([])
    .transform((s) => [...new Set(s)].sort()),
});

const byId = z.object({ id: clientIdSchema });

export const customerEndpoints = {
  put: endpoint({
    method: 'PUT',
    path: '/v1/customers/:id',
    tags: ['customers'],
    summary: 'Create or replace a customer',
    description:
      'The id is made by the client, so a retry is safe. A loyalty card or phone that belongs to another ' +
      'customer of the store is refused with 409 naming the field. Writes a `customer.upserted` event.',
    schema: {
      params: byId,
      body: customerInputSchema,
      headers: idempotencyHeaders,
      response: { 200: customerSchema, 201: customerSchema, 400: errorSchema, 409: errorSchema },
    },
  }),
  get: endpoint({
    method: 'GET',
    path: '/v1/customers/:id',
    tags: ['customers'],
    summary: 'One customer',
    schema: { params: byId, response: { 200: customerSchema, 404: errorSchema } },
  }),
  lookup: endpoint({
    method: 'GET',
    path: '/v1/customers/lookup',
    tags: ['customers'],
    summary: 'Find the customer with a loyalty card or phone (a terminal attaching a customer at the till)',
    schema: {
      querystring: z
        .object({ loyaltyCard: loyaltyCardInput.optional(), phone: phoneInput.optional() })
        .refine((q) => (q.loyaltyCard === undefined) !== (q.phone === undefined), {
          message: 'give exactly one of loyaltyCard or phone',
          path: ['loyaltyCard'],
        }),
      response: { 200: customerSchema, 400: errorSchema, 404: errorSchema },
    },
  }),
  list: endpoint({
    method: 'GET',
    path: '/v1/customers',
    tags: ['customers'],
    summary: 'Customers of the store, by name, page by page',
    schema: {
      querystring: z.object({
        q: z.string().trim().min(1).max(100).optional().describe('Part of a name or email'),
        segment: segmentSchema.optional(),
        ...pageQuery,
      }),
      response: {
        200: z.object({ items: z.array(customerSchema), nextCursor: z.string().nullable() }),
        400: errorSchema,
      },
    },
  }),
};

export type Customer = z.infer<typeof customerSchema>;
export type CustomerInput = z.infer<typeof customerInputSchema>;
