import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { inTransaction } from '../db/pool';
import { AppError } from '../errors';

/**
 * A write that takes effect at most once per `Idempotency-Key`.
 *
 * The key is claimed first, in the write's own transaction: a second request with the same
 * key waits on that row until the first commits, then replays its stored answer (or, if
 * the first rolled back, does the work itself). A key reused for a different request is
 * refused. Failed writes record nothing, so their retry is judged afresh.
 */

export interface WriteResult<T> {
  status: number;
  body: T;
}

const PROCESSING = 102;

function fingerprint(request: FastifyRequest): Buffer {
  return createHash('sha256')
    .update(`${request.method} ${request.routeOptions.url ?? request.url}\n`)
    .update(JSON.stringify(request.params ?? {}))
    .update('\n')
    .update(JSON.stringify(request.body ?? null))
    .digest();
}

export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') return undefined;
  const trimmed = key.trim();
  if (trimmed.length === 0 || trimmed.length > 200) {
    throw new AppError(400, 'VALIDATION_FAILED', 'The Idempotency-Key header must be 1–200 characters', {
      fields: [{ field: 'headers.idempotency-key', problem: 'must be 1–200 characters' }],
    });
  }
  return trimmed;
}

/**
 * Runs `work` in a transaction, guarded by the request's Idempotency-Key when it has one,
 * and sends its result (or the stored result of the first request with that key).
 */
export async function idempotentWrite<T>(
  db: pg.Pool,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  work: (client: pg.PoolClient) => Promise<WriteResult<T>>,
): Promise<T> {
  const key = idempotencyKeyOf(request);
  const result = await inTransaction(db, async (client) => {
    if (!key) return { ...(await work(client)), replayed: false };
    const hash = fingerprint(request);
    const claimed = await client.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status, response)
       VALUES ($1, $2, $3, $4, 'null') ON CONFLICT (scope, key) DO NOTHING`,
      [scope, key, hash, PROCESSING],
    );
    if (claimed.rowCount === 0) {
      const prior = await client.query<{ request_hash: Buffer; status: number; response: T }>(
        'SELECT request_hash, status, response FROM idempotency_keys WHERE scope = $1 AND key = $2',
        [scope, key],
      );
      const row = prior.rows[0];
      if (!row) throw new AppError(409, 'IDEMPOTENCY_CONFLICT', 'The Idempotency-Key is being used; retry');
      if (!row.request_hash.equals(hash)) {
        throw new AppError(
          422,
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was already used for a different request; make a new key for a new request',
          { idempotencyKey: key },
        );
      }
      return { status: row.status, body: row.response, replayed: true };
    }
    const done = await work(client);
    await client.query('UPDATE idempotency_keys SET status = $3, response = $4 WHERE scope = $1 AND key = $2', [
      scope,
      key,
      done.status,
      JSON.stringify(done.body),
    ]);
    return { ...done, replayed: false };
  });
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  reply.status(result.status);
  return result.body;
}

/** How long a write's answer is kept for its Idempotency-Key: retries come within minutes, not days. */
export const IDEMPOTENCY_RETENTION_HOURS = 24;

export async function pruneIdempotencyKeys(db: pg.Pool): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`,
    [IDEMPOTENCY_RETENTION_HOURS],
  );
  return rowCount ?? 0;
}
