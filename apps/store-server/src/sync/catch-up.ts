import { type Audience, coalesce, concerns, type ResultOf } from '@till/sync';
import type pg from 'pg';
import { inTransaction } from '../db/pool';
import { type Queryable, readFeed } from './feed-reader';

/**
 * Catch-up by sequence: a client sends the last change it applied and pulls what is
 * newer, page by page. When it is further behind than the history kept (or than replaying
 * is worth), it is told to start from a snapshot instead.
 */

export interface FeedPosition {
  /** The newest change. */
  head: number;
  /** Changes up to here were deleted by retention: catch-up cannot start before it. */
  prunedThrough: number;
}

export async function feedPosition(db: Queryable): Promise<FeedPosition> {
  const { rows } = await db.query<{ head: string; pruned: string }>(
    `SELECT greatest((SELECT coalesce(max(seq), 0) FROM events), pruned_through)::text AS head,
            pruned_through::text AS pruned
     FROM sync_retention`,
  );
  return { head: Number(rows[0]?.head ?? 0), prunedThrough: Number(rows[0]?.pruned ?? 0) };
}

export type CatchUpPlan = { kind: 'current' } | { kind: 'delta' } | { kind: 'snapshot'; reason: string };

/** How a client whose cursor is `lastSeq` gets current. */
export function planCatchUp(lastSeq: number | null, position: FeedPosition, replayLimit: number): CatchUpPlan {
  if (lastSeq === null) return { kind: 'snapshot', reason: 'this client has no data yet' };
  if (lastSeq > position.head) {
    return {
      kind: 'snapshot',
      reason: `this client has applied change #${lastSeq} but the server's newest is #${position.head}: the server's data was replaced, so start again from a snapshot`,
    };
  }
  if (lastSeq < position.prunedThrough) {
    return {
      kind: 'snapshot',
      reason: `the server no longer keeps changes before #${position.prunedThrough + 1}; this client stopped at #${lastSeq}`,
    };
  }
  if (position.head - lastSeq > replayLimit) {
    return {
      kind: 'snapshot',
      reason: `this client is ${position.head - lastSeq} changes behind, more than the ${replayLimit} replayed one by one`,
    };
  }
  return lastSeq === position.head ? { kind: 'current' } : { kind: 'delta' };
}

export interface PullScope {
  storeId: string;
  audience: Audience;
}

/** One page of catch-up for a client of `scope`. */
export async function pull(
  db: Queryable,
  scope: PullScope,
  after: number,
  limit: number,
  replayLimit: number,
): Promise<ResultOf<'sync.pull'>> {
  const plan = planCatchUp(after, await feedPosition(db), replayLimit);
  if (plan.kind === 'snapshot') return plan;
  const read = await readFeed(db, after, limit, 250);
  const mine = read.changes.filter(
    (c) => (c.storeId === null || c.storeId === scope.storeId) && concerns(scope.audience, c),
  );
  return {
    kind: 'changes',
    changes: coalesce(mine),
    to: read.to,
    more: read.more,
    ...(read.stalled ? { retryInMs: 50 } : {}),
  };
}

/**
 * Deletes events up to `through` (the audit trail moves to cold storage first, in a real
 * deployment) and records how far history now reaches. Clients behind it get snapshots.
 */
export async function pruneEvents(pool: pg.Pool, through: number): Promise<number> {
  return inTransaction(pool, async (client) => {
    await client.query(`SET LOCAL till.allow_event_pruning = 'on'`);
    const deleted = await client.query('DELETE FROM events WHERE seq <= $1', [through]);
    await client.query('UPDATE sync_retention SET pruned_through = greatest(pruned_through, $1)', [through]);
    return deleted.rowCount ?? 0;
  });
}
