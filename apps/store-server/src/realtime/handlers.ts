import { type Ack, parseMessage, REQUESTS, type RequestError, type RequestName, type ResultOf } from '@till/sync';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { z } from 'zod';
import { pull } from '../sync/catch-up';
import { FeedBusyError } from '../sync/feed-reader';
import { beginSnapshot, snapshotPage, UnknownSectionError } from '../sync/snapshot';
import { findTerminal } from '../sync/terminals';
import type { UploadApplier } from '../sync/uploads/apply';
import { reconciliationReport } from '../sync/uploads/report';
import type { TillSocket } from './gateway';
import type { SocketSession } from './session';

export interface HandlerDeps {
  db: pg.Pool;
  uploads: UploadApplier;
  replayLimit: number;
  logger: FastifyBaseLogger;
  onUploaded?: (results: ResultOf<'outbox.submit'>['results']) => void;
}

/** A refusal of one request, in words; the connection stays up. */
class RequestRefused extends Error {
  constructor(
    readonly code: RequestError['code'],
    message: string,
  ) {
    super(message);
  }
}

function toRequestError(error: unknown, logger: FastifyBaseLogger, name: string): RequestError {
  if (error instanceof RequestRefused) return { code: error.code, message: error.message };
  if (error instanceof FeedBusyError) return { code: 'BUSY', message: error.message };
  if (error instanceof UnknownSectionError) return { code: 'NOT_FOUND', message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57') || code.startsWith('E'))) {
    return { code: 'UNAVAILABLE', message: 'the store server cannot reach its database right now; try again' };
  }
  logger.error({ err: error, request: name }, 'a sync request failed');
  return { code: 'INTERNAL', message: `${name} failed on the server; it has been logged` };
}

type Handler<N extends RequestName> = (
  request: z.output<(typeof REQUESTS)[N]['request']>,
  session: SocketSession,
) => Promise<ResultOf<N>>;

/**
 * Registers the request handlers on a socket. Every request is validated: an invalid one
 * is answered `INVALID_MESSAGE` with what was wrong, and nothing else happens.
 */
export function registerHandlers(socket: TillSocket, session: SocketSession, deps: HandlerDeps): void {
  const on = <N extends RequestName>(name: N, handler: Handler<N>) => {
    (socket as unknown as { on(name: string, fn: (raw: unknown, ack: unknown) => void): void }).on(name, (raw, ack) => {
      if (typeof ack !== 'function') {
        socket.emit('notice', {
          level: 'error',
          code: 'INVALID_MESSAGE',
          message: `${name} must be sent with an acknowledgement callback (emitWithAck); it was ignored`,
        });
        return;
      }
      const answer = ack as (a: Ack<unknown>) => void;
      const parsed = parseMessage(REQUESTS[name].request, raw, name);
      if (!parsed.ok) return answer({ ok: false, error: { code: 'INVALID_MESSAGE', message: parsed.message } });
      handler(parsed.value as Parameters<Handler<N>>[0], session).then(
        (result) => answer({ ok: true, ...result }),
        (error) => answer({ ok: false, error: toRequestError(error, deps.logger, name) }),
      );
    });
  };
  const scope = { storeId: session.storeId, audience: session.kind };

  on('sync.pull', (req) => pull(deps.db, scope, req.after, req.limit, deps.replayLimit));
  on('snapshot.begin', () => beginSnapshot(deps.db, session.kind));
  on('snapshot.page', (req) => snapshotPage(deps.db, scope, req));
  on('clock.ping', async () => ({ serverTime: Date.now() }));
  on('outbox.submit', async (req) => {
    if (!session.terminalId) {
      throw new RequestRefused('FORBIDDEN', `only terminals upload; this is a ${session.kind} connection`);
    }
    const results = await deps.uploads.apply({ storeId: session.storeId, terminalId: session.terminalId }, req.items);
    deps.onUploaded?.(results);
    return { results };
  });
  on('reconciliation.report', async (req) => {
    if (!session.terminalId) {
      throw new RequestRefused('FORBIDDEN', 'dashboards read reconciliation reports over HTTP (/v1/terminals/…)');
    }
    const terminal = await findTerminal(deps.db, session.storeId, session.terminalId);
    if (!terminal) throw new RequestRefused('NOT_FOUND', 'this terminal is not known any more');
    return reconciliationReport(deps.db, terminal, req.limit);
  });

  socket.onAny((name: string, ...args: unknown[]) => {
    if (name in REQUESTS) return;
    const message = `unknown request "${name}"; this server answers ${Object.keys(REQUESTS).join(', ')}`;
    const ack = args.at(-1);
    if (typeof ack === 'function') ack({ ok: false, error: { code: 'INVALID_MESSAGE', message } });
    else socket.emit('notice', { level: 'error', code: 'INVALID_MESSAGE', message });
  });
}
