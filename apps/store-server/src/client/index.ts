import type { CallInput, Endpoint, EndpointSchemas, SuccessBody } from '../api/endpoint';
import { tillApi } from '../api/index';

export type { CallInput, Endpoint, EndpointSchemas, SuccessBody } from '../api/endpoint';
export * from '../api/index';

/**
 * A typed client for the store server's HTTP API, built on fetch. Every call is typed
 * from the same zod schemas the server validates with; responses are checked against
 * them too (turn it off with `validateResponses: false` where speed matters more).
 *
 *   const api = createTillClient({ baseUrl, apiKey });
 *   const cart = await api.carts.price({ body: { lines: [{ sku: 'TOY-00001', qty: 2 }] } });
 *   await api.call(someEndpoint, { params: { id } }); // any endpoint, including new ones
 */

export interface TillClientOptions {
  baseUrl: string;
  apiKey?: string;
  fetch?: typeof fetch;
  validateResponses?: boolean;
  headers?: Record<string, string>;
}

/** A failed call: the server's `{ error: { code, message, ...details } }`, with the HTTP status. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
    /** Seconds to wait, from a 429's `Retry-After`. */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }
}

export type CallFn = <S extends EndpointSchemas>(endpoint: Endpoint<S>, input: CallInput<S>) => Promise<SuccessBody<S>>;

type Bound<T> = {
  [K in keyof T]: T[K] extends Endpoint<infer S>
    ? Partial<CallInput<S>> extends CallInput<S>
      ? (input?: CallInput<S>) => Promise<SuccessBody<S>>
      : (input: CallInput<S>) => Promise<SuccessBody<S>>
    : Bound<T[K]>;
};

function fillPath(path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null) throw new TypeError(`path parameter "${name}" is missing`);
    return encodeURIComponent(String(value));
  });
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function createCall(options: TillClientOptions): CallFn {
  const doFetch = options.fetch ?? fetch;
  const baseUrl = options.baseUrl.replace(/\/$/, '');
  const validate = options.validateResponses ?? true;

  return async (endpoint, input) => {
    const { params, query, body, idempotencyKey, store, headers, signal } = input as {
      params?: Record<string, unknown>;
      query?: Record<string, unknown>;
      body?: unknown;
      idempotencyKey?: string;
      store?: string;
      headers?: Record<string, string>;
      signal?: AbortSignal;
    };
    const sent = new Headers({ accept: 'application/json', ...options.headers, ...headers });
    if (options.apiKey) sent.set('authorization', `Bearer ${options.apiKey}`);
    if (idempotencyKey) sent.set('idempotency-key', idempotencyKey);
    if (body !== undefined) sent.set('content-type', 'application/json');
    const response = await doFetch(
      `${baseUrl}${fillPath(endpoint.path, params)}${queryString(store ? { ...query, store } : query)}`,
      {
        method: endpoint.method,
        headers: sent,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      },
    );
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      const { code = 'HTTP_ERROR', message = `${response.status} ${response.statusText}`, ...details } = error ?? {};
      const retryAfter = response.headers.get('retry-after');
      throw new ApiError(response.status, code, message, details, retryAfter ? Number(retryAfter) : undefined);
    }
    const schema = endpoint.schema.response[response.status];
    if (!validate || !schema) return parsed as never;
    const checked = schema.safeParse(parsed);
    if (!checked.success) {
      throw new ApiError(
        response.status,
        'CLIENT_UNEXPECTED_RESPONSE',
        `${endpoint.method} ${endpoint.path} answered ${response.status} with a body that does not match its schema: ${checked.error.message}`,
        {},
        undefined,
      );
    }
    return checked.data as never;
  };
}

function bind<T extends object>(call: CallFn, endpoints: T): Bound<T> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(endpoints)) {
    const isEndpoint = typeof value === 'object' && value !== null && 'method' in value && 'schema' in value;
    out[name] = isEndpoint
      ? (input?: CallInput<EndpointSchemas>) => call(value as Endpoint, (input ?? {}) as CallInput<EndpointSchemas>)
      : bind(call, value as object);
  }
  return out as Bound<T>;
}

export type TillClient = Bound<typeof tillApi> & { call: CallFn };

/** The whole API, grouped (`api.rules.put(...)`), plus `call` for any endpoint. */
export function createTillClient(options: TillClientOptions): TillClient {
  const call = createCall(options);
  return { ...bind(call, tillApi), call };
}
