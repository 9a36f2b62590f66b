import { PROTOCOL_VERSION, reconciliationReportSchema } from '@till/sync';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MANAGER_UP, TERMINAL_UP } from '../auth/plugin';
import { AppError, notFound } from '../errors';
import {
  createEnrollmentCode,
  enrollTerminal,
  findTerminal,
  listTerminals,
  revokeTerminal,
  type Terminal,
  terminalOfKey,
} from '../sync/terminals';
import { reconciliationReport } from '../sync/uploads/report';
import { errorSchema, storeIdSchema } from './schemas';
import { storeIn } from './store-param';

const terminalIdSchema = z.string().regex(/^term_[A-Za-z0-9_-]{1,80}$/, 'must be a terminal id like "term_0190…"');

const terminalSchema = z.object({
  id: z.string(),
  name: z.string(),
  enrolledAt: z.string(),
  revokedAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  lastSeq: z.number().int().nullable().describe('The last change the terminal said it had applied when it connected'),
  online: z.boolean().describe('A socket of this terminal is connected to some instance right now'),
});

const toJson = (t: Terminal, online: boolean): z.infer<typeof terminalSchema> => ({
  id: t.id,
  name: t.name,
  enrolledAt: t.enrolledAt.toISOString(),
  revokedAt: t.revokedAt?.toISOString() ?? null,
  lastSeenAt: t.lastSeenAt?.toISOString() ?? null,
  lastSeq: t.lastSeq,
  online,
});

const storeQuery = z.object({ store: storeIdSchema.optional().describe('Admin keys name the store') });

/** Terminals: enrollment codes, enrollment, the list, revocation and reconciliation reports. */
export const terminalRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/terminals/enrollment-codes',
    {
      config: { roles: MANAGER_UP },
      schema: {
        tags: ['terminals'],
        summary: 'Make a one-time code a new terminal exchanges for its token',
        querystring: storeQuery,
        body: z.object({
          name: z.string().trim().min(1).max(200).describe('The terminal it will enroll, e.g. "Till 3"'),
          expiresInMinutes: z.number().int().min(1).max(10_080).default(60),
        }),
        response: {
          201: z.object({ code: z.string(), storeId: z.string(), name: z.string(), expiresAt: z.string() }),
          400: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const storeId = storeIn(request);
      const { code, expiresAt } = await createEnrollmentCode(app.db, {
        storeId,
        terminalName: request.body.name,
        expiresInMinutes: request.body.expiresInMinutes,
        createdBy: request.identity?.keyId ?? null,
      });
      return reply.status(201).send({ code, storeId, name: request.body.name, expiresAt: expiresAt.toISOString() });
    },
  );

  app.post(
    '/v1/terminals/enroll',
    {
      config: { public: true },
      schema: {
        tags: ['terminals'],
        summary: "Exchange an enrollment code for the terminal's token (shown once)",
        body: z.object({
          code: z.string().trim().min(4).max(40),
          name: z.string().trim().min(1).max(200).optional().describe('Overrides the name given with the code'),
        }),
        response: {
          201: z.object({
            terminalId: z.string(),
            storeId: z.string(),
            name: z.string(),
            token: z.string().describe('Send it as the Socket.IO handshake token; only its hash is kept'),
            protocol: z.number().int().describe('The sync protocol this server speaks'),
          }),
          400: errorSchema,
          409: errorSchema,
          410: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const enrollment = await enrollTerminal(app.db, request.body);
      return reply.status(201).send({ ...enrollment, protocol: PROTOCOL_VERSION });
    },
  );

  app.get(
    '/v1/terminals',
    {
      config: { roles: MANAGER_UP },
      schema: {
        tags: ['terminals'],
        summary: "The store's terminals, and whether each is connected",
        querystring: storeQuery,
        response: { 200: z.object({ items: z.array(terminalSchema) }), 400: errorSchema, 403: errorSchema },
      },
    },
    async (request) => {
      const storeId = storeIn(request);
      const [terminals, online] = await Promise.all([
        listTerminals(app.db, storeId),
        app.realtime.onlineTerminals(storeId).catch(() => new Set<string>()),
      ]);
      return { items: terminals.map((t) => toJson(t, online.has(t.id))) };
    },
  );

  app.get(
    '/v1/terminals/me',
    {
      config: { roles: ['terminal'] },
      schema: {
        tags: ['terminals'],
        summary: 'The terminal this token belongs to (a terminal started with a token it was given)',
        response: {
          200: z.object({ terminalId: z.string(), storeId: z.string(), name: z.string() }),
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => {
      if (!request.identity) throw new AppError(401, 'UNAUTHENTICATED', 'Send the terminal token');
      const terminal = await terminalOfKey(app.db, request.identity);
      if (terminal.revokedAt) throw new AppError(403, 'TERMINAL_REVOKED', 'This terminal was revoked; enroll it again');
      return { terminalId: terminal.id, storeId: terminal.storeId, name: terminal.name };
    },
  );

  app.post(
    '/v1/terminals/:terminalId/revoke',
    {
      config: { roles: MANAGER_UP },
      schema: {
        tags: ['terminals'],
        summary: 'Revoke a terminal: its token stops working and its connections are closed',
        params: z.object({ terminalId: terminalIdSchema }),
        querystring: storeQuery,
        response: { 200: terminalSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const storeId = storeIn(request);
      const { terminalId } = request.params;
      const revoked = await revokeTerminal(app.db, storeId, terminalId);
      if (!revoked) {
        const existing = await findTerminal(app.db, storeId, terminalId);
        if (!existing) throw notFound(`Terminal ${terminalId}`, { terminalId });
        return toJson(existing, false); // already revoked: nothing more to do
      }
      await app.realtime.disconnectTerminal(terminalId, {
        level: 'error',
        code: 'TERMINAL_REVOKED',
        message: `Terminal "${revoked.name}" was revoked by a manager: enroll it again to sync.`,
      });
      return toJson({ ...revoked }, false);
    },
  );

  app.get(
    '/v1/terminals/:terminalId/reconciliation',
    {
      config: { roles: TERMINAL_UP },
      schema: {
        tags: ['terminals'],
        summary: "What became of a terminal's uploaded sales, returns and cash counts",
        params: z.object({ terminalId: terminalIdSchema }),
        querystring: storeQuery.extend({ limit: z.coerce.number().int().min(1).max(1_000).default(100) }),
        response: { 200: reconciliationReportSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const storeId = storeIn(request);
      const { terminalId } = request.params;
      const identity = request.identity;
      if (identity?.role === 'terminal') {
        const own = await terminalOfKey(app.db, identity);
        if (own.id !== terminalId) {
          throw new AppError(403, 'FORBIDDEN', 'A terminal reads only its own reconciliation report', { terminalId });
        }
      }
      const terminal = await findTerminal(app.db, storeId, terminalId);
      if (!terminal) throw notFound(`Terminal ${terminalId}`, { terminalId });
      return reconciliationReport(app.db, terminal, request.query.limit);
    },
  );
};
