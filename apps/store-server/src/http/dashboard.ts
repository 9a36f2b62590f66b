import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

const dashboardDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dashboard');

/** The manager dashboard: static pages that talk to the same API as everyone else. */
export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, { root: dashboardDir, prefix: '/dashboard/', decorateReply: false });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/dashboard/'));
  app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/dashboard/'));
};
