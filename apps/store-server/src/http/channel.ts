import type { FastifyRequest } from 'fastify';
import type { Channel } from '../pricing/cart-facts';

/** The sales channel a request prices for (price lists are per channel): asked for, else terminals 'pos', others 'online'. */
export function channelOf(request: FastifyRequest, requested: Channel | undefined): Channel {
  return requested ?? (request.identity?.role === 'terminal' ? 'pos' : 'online');
}
