import type { FastifyRequest } from 'fastify';
import { storeOf } from '../auth/plugin';

/** The store a request acts on: the key's own, or for an admin key the `?store=` it names. */
export function storeIn(request: FastifyRequest): string {
  const query = request.query as { store?: unknown } | undefined;
  return storeOf(request, typeof query?.store === 'string' ? query.store : undefined);
}
