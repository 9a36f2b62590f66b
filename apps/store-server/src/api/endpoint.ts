import { z } from 'zod';
import { storeIdSchema } from '../http/schemas';

/**
 * One HTTP endpoint of the public API, described once: its method, path and zod schemas.
 * The server registers its route from it (the schemas validate requests and feed the
 * OpenAPI document) and the typed client calls it, so the two cannot drift apart.
 * These modules import only zod, so a client bundle pulls nothing of the server.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface EndpointSchemas {
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
  headers?: z.ZodType;
  response: { [status: number]: z.ZodType };
}

export interface Endpoint<S extends EndpointSchemas = EndpointSchemas> {
  method: HttpMethod;
  /** Fastify style: `/v1/rules/:id`. */
  path: string;
  tags: string[];
  summary: string;
  description?: string;
  schema: S;
}

export function endpoint<const S extends EndpointSchemas>(definition: Endpoint<S>): Endpoint<S> {
  return definition;
}

/** Every endpoint takes `?store=`: an admin key (which spans stores) names the store it acts on. */
export const storeParam = {
  store: storeIdSchema.optional().describe('Admin keys only: the store to act on (other keys act on their own)'),
};

function withStoreParam(querystring: z.ZodType | undefined): z.ZodType {
  if (!querystring) return z.object(storeParam);
  if (querystring instanceof z.ZodObject) return querystring.safeExtend(storeParam);
  return querystring;
}

/** The route options Fastify needs for an endpoint (spread into `app.route`). */
export function routeOf<S extends EndpointSchemas>(e: Endpoint<S>) {
  return {
    method: e.method,
    url: e.path,
    schema: {
      tags: e.tags,
      summary: e.summary,
      description: e.description,
      ...e.schema,
      // Typed as declared: `store` is read by storeIn() alone.
      querystring: withStoreParam(e.schema.querystring) as S['querystring'],
    },
  };
}

type SuccessStatus = 200 | 201 | 202 | 204;

/** What a successful call returns: the body of any 2xx response the endpoint declares. */
export type SuccessBody<S extends EndpointSchemas> = {
  [K in keyof S['response']]: K extends SuccessStatus
    ? S['response'][K] extends z.ZodType
      ? z.output<S['response'][K]>
      : never
    : never;
}[keyof S['response']];

type Part<
  S extends EndpointSchemas,
  K extends 'params' | 'querystring' | 'body',
  As extends string,
> = S[K] extends z.ZodType
  ? undefined extends z.input<S[K]>
    ? { [P in As]?: z.input<S[K]> }
    : Partial<z.input<S[K]>> extends z.input<S[K]>
      ? { [P in As]?: z.input<S[K]> }
      : { [P in As]: z.input<S[K]> }
  : { [P in As]?: never };

/** What a caller passes: path parameters, query and body as the schemas accept them. */
export type CallInput<S extends EndpointSchemas> = Part<S, 'params', 'params'> &
  Part<S, 'querystring', 'query'> &
  Part<S, 'body', 'body'> & {
    /** Sent as the `Idempotency-Key` header: a retried write takes effect once. */
    idempotencyKey?: string;
    /** Admin keys: the store to act on (`?store=`). */
    store?: string;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  };
