import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { RefreshingCache } from '../cache/refreshing-cache';
import { AppError } from '../errors';
import { type ApiKeyIdentity, type Role, verifyApiKey } from './api-keys';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed on this route. Every /v1 route needs a key unless it says `public: true`. */
    roles?: readonly Role[];
    public?: boolean;
  }
  interface FastifyRequest {
    identity: ApiKeyIdentity | undefined;
  }
}

/** Who may do what: an admin may do everything a manager may, a manager everything a terminal or storefront may. */
export const STOREFRONT_UP = ['storefront', 'terminal', 'manager', 'admin'] as const satisfies readonly Role[];
export const TERMINAL_UP = ['terminal', 'manager', 'admin'] as const satisfies readonly Role[];
export const MANAGER_UP = ['manager', 'admin'] as const satisfies readonly Role[];
export const ADMIN_ONLY = ['admin'] as const satisfies readonly Role[];

function keyFrom(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey.trim() : undefined;
}

/**
 * API-key authentication. Verified keys are cached for API_KEY_CACHE_MS (10 s), so a
 * revocation takes effect within that time and the hot path (holds in a flash sale)
 * does not pay a query per request; a busy key is re-verified in the background before
 * its entry expires, one query at a time.
 */
export const auth = fp(async (app: FastifyInstance) => {
  const identities = new RefreshingCache((key) => verifyApiKey(app.db, key), app.config.apiKeyCacheMs);
  app.decorateRequest('identity', undefined);

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    const url = request.routeOptions.url ?? '';
    const key = keyFrom(request);
    if (key) {
      const identity = await identities.get(key);
      if (!identity) throw new AppError(401, 'INVALID_API_KEY', 'The API key is unknown or revoked');
      request.identity = identity;
    }
    const needsKey = url.startsWith('/v1/') && !config.public;
    if (!needsKey) return;
    if (!request.identity) {
      throw new AppError(401, 'UNAUTHENTICATED', 'Send an API key: header "Authorization: Bearer till_…"');
    }
    const roles = config.roles ?? [];
    if (!roles.includes(request.identity.role)) {
      throw new AppError(
        403,
        'FORBIDDEN',
        `This needs a ${roles.join(' or ') || 'different'} key; this key is a ${request.identity.role} key`,
        { role: request.identity.role, allowed: roles },
      );
    }
  });
});

/**
 * The store a request acts on: the key's own store, or for an admin key the one it names.
 * A key never reaches another store's data.
 */
export function storeOf(request: FastifyRequest, requested?: string): string {
  const identity = request.identity;
  if (!identity) throw new AppError(401, 'UNAUTHENTICATED', 'Send an API key: header "Authorization: Bearer till_…"');
  if (identity.storeId === null) {
    if (!requested) throw new AppError(400, 'STORE_REQUIRED', 'An admin key must name the store (parameter "store")');
    return requested;
  }
  if (requested && requested !== identity.storeId) {
    throw new AppError(403, 'FORBIDDEN_STORE', `This key belongs to store ${identity.storeId}, not ${requested}`, {
      storeId: requested,
    });
  }
  return identity.storeId;
}
