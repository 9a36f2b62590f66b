import type { OutboxItem, ReconciliationStatus, UploadResult } from '@till/sync';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { appendEvents } from '../../db/events';
import { applyCashCount } from './cash-count';
import { applyDrawerOpen } from './drawer-open';
import { type ApplyContext, type Outcome, UploadRejection, type UploadSession } from './outcome';
import { type Prepared, storable } from './prepare';
import { applyReturn } from './return';
import { applySale } from './sale';

/**
 * One uploaded command applied on its own, behind a savepoint in the caller's transaction:
 * a command that fails is rolled back alone. One whose content cannot be accepted is
 * recorded as `rejected` with the reason; one that failed for another reason (a bug)
 * answers `retry` — until it has failed `maxAttempts` times, then it is rejected too, so
 * that no command comes back forever. Returns, cash counts and drawer openings always come this way; sales
 * come this way only when their batch could not be applied at once (sales-batch.ts).
 */

function handle(ctx: ApplyContext, item: OutboxItem): Promise<Outcome> {
  switch (item.kind) {
    case 'sale':
      return applySale(ctx, item);
    case 'return':
      return applyReturn(ctx, item);
    case 'cash_count':
      return applyCashCount(ctx, item);
    case 'drawer_open':
      return applyDrawerOpen(ctx, item);
  }
}

const RETRYABLE = new Set(['40P01', '40001', '55P03']);
const pgCode = (error: unknown) => (error as { code?: unknown }).code;

/** A deadlock or serialization failure: the whole transaction is tried again. */
export const isRetryable = (error: unknown) => RETRYABLE.has(String(pgCode(error)));

/** The command's whole transaction must go: a deadlock or serialization failure, or the connection broke. */
export function abortsTransaction(error: unknown): boolean {
  const code = pgCode(error);
  if (typeof code !== 'string') return false;
  return RETRYABLE.has(code) || code.startsWith('08') || code.startsWith('57') || code.startsWith('E');
}

/** Words for a command whose content the database refused; undefined when it was not about the content. */
function contentProblem(error: unknown): string | undefined {
  if (error instanceof UploadRejection) return error.message;
  const code = pgCode(error);
  if (typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))) {
    const detail = (error as { detail?: string }).detail;
    return `the database refused it: ${(error as Error).message}${detail ? ` (${detail})` : ''}`;
  }
  return undefined;
}

interface UploadRow {
  terminal_id: string;
  status: Exclude<ReconciliationStatus, 'duplicate'>;
  reason: string | null;
  details: Pick<UploadResult, 'stock' | 'price'>;
  duplicates: number;
}

/** Claims the command's id; an id seen before comes back as it was recorded. */
async function claim(
  client: pg.PoolClient,
  session: UploadSession,
  row: { id: string; kind: string; status: string; reason: string | null; payload: unknown; createdAt: number | null },
): Promise<UploadRow | undefined> {
  const { rows } = await client.query<UploadRow>(
    `INSERT INTO terminal_uploads (id, store_id, terminal_id, kind, status, reason, payload, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8 / 1000.0))
     ON CONFLICT (id) DO UPDATE SET duplicates = terminal_uploads.duplicates + 1
       WHERE terminal_uploads.terminal_id = EXCLUDED.terminal_id
     RETURNING terminal_id, status, reason, details, duplicates`,
    [
      row.id,
      session.storeId,
      session.terminalId,
      row.kind,
      row.status,
      row.reason,
      JSON.stringify(row.payload),
      row.createdAt,
    ],
  );
  return rows[0];
}

const duplicateOf = (index: number, id: string, row: UploadRow): UploadResult => ({
  index,
  id,
  status: 'duplicate',
  original: row.status,
  ...(row.reason ? { reason: row.reason } : {}),
  ...row.details,
});

const takenByAnother = (index: number, id: string): UploadResult => ({
  index,
  id,
  status: 'rejected',
  reason: `id ${id} was already used by a command of another terminal; make a new id`,
});

async function recordRejection(client: pg.PoolClient, session: UploadSession, p: Prepared, reason: string) {
  const id = p.valid ? p.item.id : p.id;
  const resultId = p.valid ? p.item.id : p.givenId;
  const row = await claim(client, session, {
    id,
    kind: p.valid ? p.item.kind : p.kind,
    status: 'rejected',
    reason,
    payload: storable(p.valid ? p.item : p.raw),
    createdAt: p.valid ? p.item.createdAt : p.createdAt,
  });
  if (!row) return takenByAnother(p.index, id);
  if (row.duplicates > 0) return duplicateOf(p.index, id, row);
  await appendEvents(client, [
    {
      storeId: session.storeId,
      type: 'alert.upload_rejected',
      payload: {
        storeId: session.storeId,
        terminalId: session.terminalId,
        id: resultId,
        kind: p.valid ? p.item.kind : p.kind,
        reason,
      },
    },
  ]);
  const result: UploadResult = { index: p.index, id: resultId, status: 'rejected', reason };
  return result;
}

async function applyValid(ctx: ApplyContext, index: number, item: OutboxItem): Promise<UploadResult> {
  const row = await claim(ctx.client, ctx, {
    id: item.id,
    kind: item.kind,
    status: 'accepted',
    reason: null,
    payload: item.payload,
    createdAt: item.createdAt,
  });
  if (!row) return takenByAnother(index, item.id);
  if (row.duplicates > 0) return duplicateOf(index, item.id, row);
  const outcome = await handle(ctx, item);
  await writeOutcome(ctx.client, item.id, outcome);
  return { index, id: item.id, status: outcome.status, ...outcome.details };
}

/** The command's row, its result and its events, in one statement (one round trip per command counts). */
async function writeOutcome(client: pg.PoolClient, id: string, outcome: Outcome): Promise<void> {
  const n = outcome.row.values.length;
  await client.query(
    `WITH command_row AS (${outcome.row.sql}),
          result AS (UPDATE terminal_uploads SET status = $${n + 1}, details = $${n + 2} WHERE id = $${n + 3})
     INSERT INTO events (store_id, type, payload)
     SELECT * FROM unnest($${n + 4}::text[], $${n + 5}::text[], $${n + 6}::jsonb[])`,
    [
      ...outcome.row.values,
      outcome.status,
      JSON.stringify(outcome.details),
      id,
      outcome.events.map((e) => e.storeId),
      outcome.events.map((e) => e.type),
      outcome.events.map((e) => JSON.stringify(e.payload)),
    ],
  );
}

async function countFailure(client: pg.PoolClient, id: string, error: Error): Promise<number> {
  const { rows } = await client.query<{ attempts: number }>(
    `INSERT INTO terminal_upload_failures (id, attempts, last_error) VALUES ($1, 1, $2)
     ON CONFLICT (id) DO UPDATE SET attempts = terminal_upload_failures.attempts + 1, last_error = $2, last_at = now()
     RETURNING attempts`,
    [id, error.message.slice(0, 1_000)],
  );
  return rows[0]?.attempts ?? 1;
}

/** One command behind the savepoint `upload_item`, in the caller's transaction. */
export async function applyCommand(
  ctx: ApplyContext,
  p: Prepared & { price?: UploadResult['price'] },
  options: { logger: FastifyBaseLogger; maxAttempts: number },
): Promise<UploadResult> {
  const { client } = ctx;
  await client.query('SAVEPOINT upload_item');
  try {
    const result = p.valid
      ? await applyValid({ ...ctx, price: p.price }, p.index, p.item)
      : await recordRejection(client, ctx, p, p.reason);
    await client.query('RELEASE SAVEPOINT upload_item');
    return result;
  } catch (error) {
    if (abortsTransaction(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT upload_item');
    const problem = contentProblem(error);
    const result = await (async (): Promise<UploadResult> => {
      if (problem !== undefined) return recordRejection(client, ctx, p, problem);
      const id = p.valid ? p.item.id : p.id;
      const attempts = await countFailure(client, id, error as Error);
      options.logger.error({ err: error, id, attempts }, 'an uploaded command could not be applied');
      if (attempts >= options.maxAttempts) {
        return recordRejection(
          client,
          ctx,
          p,
          `could not be applied after ${attempts} attempts: ${(error as Error).message}`,
        );
      }
      return {
        index: p.index,
        id: p.valid ? p.item.id : p.givenId,
        status: 'retry',
        reason: `the server could not apply it this time (${(error as Error).message}); it will be sent again`,
      };
    })();
    await client.query('RELEASE SAVEPOINT upload_item');
    return result;
  }
}
