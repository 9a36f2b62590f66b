import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pendingMigrations } from '../db/migrate';

const checkSchema = z.object({ ok: z.boolean(), reason: z.string().optional() });

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.readiness.add('database', async () => {
    const pending = await pendingMigrations(app.db);
    return pending.length === 0 ? { ok: true } : { ok: false, reason: `migrations not applied: ${pending.join(', ')}` };
  });

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        security: [],
        summary: 'The process is up',
        response: { 200: z.object({ status: z.literal('ok'), uptimeSeconds: z.number() }) },
      },
    },
    async () => ({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()) }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        security: [],
        summary: 'The database is reachable, migrations are applied and every part is ready to serve',
        response: {
          200: z.object({ status: z.literal('ready'), checks: z.record(z.string(), checkSchema) }),
          503: z.object({ status: z.literal('not_ready'), checks: z.record(z.string(), checkSchema) }),
        },
      },
    },
    async (_request, reply) => {
      const report = await app.readiness.report();
      if (report.ready) return { status: 'ready' as const, checks: report.checks };
      return reply.status(503).send({ status: 'not_ready' as const, checks: report.checks });
    },
  );

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });
};
