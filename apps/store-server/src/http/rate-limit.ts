import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors';

/**
 * Rate limits per API key: each key may make RATE_LIMIT_<ROLE> requests per
 * RATE_LIMIT_WINDOW_MS (0: no limit). Requests without a key are not counted here: they are
 * refused by authentication (or are public health and documentation pages). Over the
 * limit: 429 in the one error shape, with `Retry-After`.
 *
 * Registered after authentication and before every route, so that the key is known when
 * the limit is counted and every route is covered. Counts live in this process: behind a
 * load balancer each instance allows the limit on its own.
 */
export const rateLimits = fp(async (app: FastifyInstance) => {
  const { windowMs, perRole } = app.config.rateLimits;
  const limitOf = (role: keyof typeof perRole | undefined) => (role ? perRole[role] : 0);

  await app.register(rateLimit, {
    global: true,
    timeWindow: windowMs,
    hook: 'onRequest',
    keyGenerator: (request) => request.identity?.keyId ?? request.ip,
    allowList: (request) => limitOf(request.identity?.role) === 0,
    max: (request) => limitOf(request.identity?.role),
    errorResponseBuilder: (request, context) => {
      const retryAfterSeconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new AppError(
        429,
        'RATE_LIMITED',
        `This API key made more than ${context.max} requests in ${windowMs / 1000} s; retry in ${retryAfterSeconds} s`,
        { limit: context.max, windowSeconds: windowMs / 1000, retryAfterSeconds, role: request.identity?.role },
      );
    },
  });
});
