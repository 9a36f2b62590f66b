import {
  describeIssues,
  type OutboxItem,
  outboxItemSchema,
  type ReconciliationStatus,
  type UploadResult,
} from '@till/sync';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { validate as isUuid, v7 as uuidv7 } from 'uuid';
import { appendEvents } from '../../db/events';
import { applyCashCount } from './cash-count';
import { type ApplyContext, type Outcome, type SalePricer, UploadRejection } from './outcome';
import { applyReturn } from './return';
import { applySale } from './sale';

/**
 * Applies a batch of commands uploaded by one terminal. Each command takes effect at most
 * once: its terminal-made id is the primary key of `terminal_uploads`, claimed in the same
 * transaction as its effects (sale, stock movements, events). A resend finds the claim and
 * answers `duplicate` with the first result; two processes sending the same command at
 * once are serialized by that key, and the second gets `duplicate`.
 *
 * Each command runs in its own transaction, behind a savepoint, so a command that fails
 * is rolled back alone: one whose content cannot be accepted is recorded as `rejected`
 * with the reason, and one that failed for another reason (a bug) answers `retry` — until
 * it has failed `maxAttempts` times, then it is rejected too, so that no command comes
 * back forever. A deadlock or serialization failure is retried; a lost database fails the
 * batch, and the terminal sends it again (what was applied comes back `duplicate`).
 */
export interface UploadDeps {
  db: pg.Pool;
  logger: FastifyBaseLogger;
  pricer?: SalePricer;
  maxAttempts?: number;
  /** Commands of a batch applied at the same time, each in its own transaction. */
  parallelism?: number;
}

export interface UploadSession {
  storeId: string;
  terminalId: string;
}

type Prepared =
  | { index: number; valid: true; item: OutboxItem }
  | { index: number; valid: false; id: string; givenId: string | null; kind: string; raw: unknown; reason: string };

function handle(ctx: ApplyContext, item: OutboxItem): Promise<Outcome> {
  switch (item.kind) {
    case 'sale':
      return applySale(ctx, item);
    case 'return':
      return applyReturn(ctx, item);
    case 'cash_count':
      return applyCashCount(ctx, item);
  }
}

const KINDS = new Set<string>(['sale', 'return', 'cash_count'] satisfies OutboxItem['kind'][]);

function prepare(raw: unknown, index: number, session: UploadSession): Prepared {
  const rawId = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  const givenId = typeof rawId === 'string' && isUuid(rawId) ? rawId.toLowerCase() : null;
  const rawKind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
  const kind = typeof rawKind === 'string' && KINDS.has(rawKind) ? rawKind : 'unreadable';
  const invalid = (reason: string): Prepared => ({
    index,
    valid: false,
    id: givenId ?? uuidv7(),
    givenId,
    kind,
    raw,
    reason,
  });
  const parsed = outboxItemSchema.safeParse(raw);
  if (!parsed.success) return invalid(`malformed: ${describeIssues(parsed.error)}`);
  if (parsed.data.terminalId !== session.terminalId) {
    return invalid(
      `unknown terminal: the command was made by ${parsed.data.terminalId}, but this connection is terminal ${session.terminalId}`,
    );
  }
  return { index, valid: true, item: { ...parsed.data, id: parsed.data.id.toLowerCase() } };
}

const RETRYABLE = new Set(['40P01', '40001', '55P03']);
const pgCode = (error: unknown) => (error as { code?: unknown }).code;
/** The command's whole transaction must go: a deadlock or serialization failure, or the connection broke. */
function abortsTransaction(error: unknown): boolean {
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
    payload: p.valid ? p.item : p.raw,
    createdAt: p.valid ? p.item.createdAt : null,
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

export class UploadApplier {
  private readonly maxAttempts: number;
  private readonly parallelism: number;

  constructor(private readonly deps: UploadDeps) {
    this.maxAttempts = deps.maxAttempts ?? 5;
    this.parallelism = deps.parallelism ?? 1;
  }

  async apply(session: UploadSession, items: unknown[]): Promise<UploadResult[]> {
    const prepared = items.map((raw, index) => prepare(raw, index, session));
    const { rows } = await this.deps.db.query<{ currency: string }>('SELECT currency FROM stores WHERE id = $1', [
      session.storeId,
    ]);
    const currency = rows[0]?.currency;
    if (!currency) throw new Error(`store ${session.storeId} does not exist`);
    const context = (client: pg.PoolClient): ApplyContext => ({
      client,
      ...session,
      currency,
      pricer: this.deps.pricer,
    });

    // Commands in batch order, `parallelism` at a time, each in its own transaction: a
    // transaction locks only its own SKUs (in sorted order), so they never deadlock each
    // other. A command sent twice in one batch, and a return of a sale in the same batch,
    // wait for the earlier one.
    const results: UploadResult[] = [];
    const started = new Map<string, Promise<unknown>>();
    let next = 0;
    const worker = async () => {
      while (next < prepared.length) {
        const p = prepared[next++] as Prepared;
        const after = p.valid ? [p.item.id, p.item.kind === 'return' ? p.item.payload.saleId : null] : [];
        const earlier = after.map((id) => (id ? started.get(id) : undefined)).filter((w) => w !== undefined);
        const run = Promise.allSettled(earlier).then(() => this.applyAlone(p, context));
        if (p.valid) started.set(p.item.id, run);
        results.push(await run);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallelism, prepared.length) }, worker));
    return results.sort((a, b) => a.index - b.index);
  }

  /** One command in its own transaction, tried again when it meets a deadlock or a serialization failure. */
  private async applyAlone(p: Prepared, context: (client: pg.PoolClient) => ApplyContext): Promise<UploadResult> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.deps.db.connect();
      try {
        await client.query('BEGIN; SAVEPOINT upload_item');
        const result = await this.applyOne(context(client), p);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        if (!RETRYABLE.has(String(pgCode(error))) || attempt >= 5) throw error;
        await new Promise((r) => setTimeout(r, 5 * attempt * Math.random()));
      } finally {
        client.release();
      }
    }
  }

  /**
   * One command, after its transaction set the savepoint `upload_item`: a command that
   * fails is rolled back to it, and its rejection (or failed attempt) recorded instead.
   */
  private async applyOne(ctx: ApplyContext, p: Prepared): Promise<UploadResult> {
    const { client } = ctx;
    try {
      return p.valid ? await applyValid(ctx, p.index, p.item) : await recordRejection(client, ctx, p, p.reason);
    } catch (error) {
      if (abortsTransaction(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT upload_item');
      const problem = contentProblem(error);
      if (problem !== undefined) return recordRejection(client, ctx, p, problem);
      const id = p.valid ? p.item.id : p.id;
      const attempts = await countFailure(client, id, error as Error);
      this.deps.logger.error({ err: error, id, attempts }, 'an uploaded command could not be applied');
      if (attempts >= this.maxAttempts) {
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
    }
  }
}
