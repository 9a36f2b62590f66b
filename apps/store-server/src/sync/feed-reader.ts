import { AUDIT_ONLY_TYPES, type Change } from '@till/sync';
import type pg from 'pg';

/**
 * Reads the `events` table by sequence without ever skipping an event that is still
 * being committed.
 *
 * Sequence numbers are handed out before commit, so a reader can see 11 while 10 is still
 * in flight; moving a cursor past 11 would lose 10. A missing number is either in flight
 * or gone for good (rolled back). Migration 0030 makes every transaction take its
 * transaction id before its number, so when a gap is seen, the transaction that holds the
 * missing number (if any) is among those running at that moment (`xip` of the snapshot
 * the read used). Once all of those have ended, every number up to the highest one seen
 * is final: re-reading that range gives exactly what will ever be there.
 *
 * Only transactions of this database count (pg_stat_activity), so a long transaction in
 * another database on the same server does not hold the feed back.
 *
 * Audit-only changes (AUDIT_ONLY_TYPES: no client is sent them) are read for their numbers
 * only (the gaps), and left out of what a read returns.
 */

export type Queryable = pg.Pool | pg.PoolClient;

interface EventRow {
  snap: string;
  seq: string | null;
  store_id: string | null;
  type: string | null;
  audit_only: boolean | null;
  payload: Record<string, unknown> | null;
  at: Date | null;
}

export interface FeedRead {
  /** Events in (after, to], every store, in seq order. */
  changes: Change[];
  /** Everything up to here is final: the next read starts after it. */
  to: number;
  /** More may be readable right away (the page was full, or a gap was just resolved). */
  more: boolean;
  /** A gap below newer events is still being committed; read again shortly. */
  stalled: boolean;
}

const READ = `
  SELECT pg_current_snapshot()::text AS snap, e.seq::text AS seq, e.store_id, e.type, e.audit_only, e.payload, e.at
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (
    SELECT seq, type, audit_only,
           CASE WHEN audit_only THEN NULL ELSE store_id END AS store_id,
           CASE WHEN audit_only THEN NULL ELSE payload END AS payload,
           CASE WHEN audit_only THEN NULL ELSE at END AS at
    FROM (SELECT *, type = ANY($4::text[]) AS audit_only FROM events) AS events
    WHERE seq > $1 AND ($3::bigint IS NULL OR seq <= $3::bigint)
    ORDER BY seq LIMIT $2
  ) AS e ON true`;

/** Transaction ids of `xids` that are still running in this database. */
const STILL_RUNNING = `
  SELECT x::text AS xid FROM unnest($1::xid8[]) AS x
  WHERE NOT pg_visible_in_snapshot(x, pg_current_snapshot())
    AND (x::text::numeric % 4294967296)::bigint IN (
      SELECT backend_xid::text::bigint FROM pg_stat_activity
      WHERE datname = current_database() AND backend_xid IS NOT NULL
    )`;

/** An audit-only row is read for its number only (readFeed leaves it out). */
const toChange = (row: EventRow): Change => ({
  seq: Number(row.seq),
  type: row.type as string,
  storeId: row.store_id,
  at: row.audit_only ? '' : (row.at as Date).toISOString(),
  payload: row.payload ?? {},
});

/** xip of a pg_snapshot in text form `xmin:xmax:xip,xip,…`. */
export function inFlightAt(snapshot: string): string[] {
  const xip = snapshot.split(':')[2] ?? '';
  return xip === '' ? [] : xip.split(',');
}

async function readPage(db: Queryable, after: number, limit: number, upTo: number | null) {
  const { rows } = await db.query<EventRow>(READ, [after, limit, upTo, AUDIT_ONLY_TYPES]);
  const snapshot = rows[0]?.snap ?? '0:0:';
  return { snapshot, changes: rows.filter((r) => r.seq !== null).map(toChange) };
}

/** Waits until none of `xids` is running in this database; false if `maxWaitMs` passed first. */
export async function waitForTransactions(db: Queryable, xids: string[], maxWaitMs: number): Promise<boolean> {
  const deadline = performance.now() + maxWaitMs;
  let running = xids;
  for (;;) {
    if (running.length === 0) return true;
    const { rows } = await db.query<{ xid: string }>(STILL_RUNNING, [running]);
    running = rows.map((r) => r.xid);
    if (running.length === 0) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
}

const firstGap = (after: number, changes: Change[]): number => {
  let expected = after + 1;
  for (const [i, c] of changes.entries()) {
    if (c.seq !== expected) return i;
    expected = c.seq + 1;
  }
  return -1;
};

const auditOnly = new Set(AUDIT_ONLY_TYPES);

/** Reads up to `limit` events after `after`; see the module comment for why it may wait. */
export async function readFeed(db: Queryable, after: number, limit: number, maxWaitMs: number): Promise<FeedRead> {
  const read = await readRange(db, after, limit, maxWaitMs);
  return { ...read, changes: read.changes.filter((c) => !auditOnly.has(c.type)) };
}

async function readRange(db: Queryable, after: number, limit: number, maxWaitMs: number): Promise<FeedRead> {
  const first = await readPage(db, after, limit, null);
  const { changes } = first;
  const last = changes.at(-1)?.seq;
  if (last === undefined) return { changes, to: after, more: false, stalled: false };
  const full = changes.length === limit;
  const gap = firstGap(after, changes);
  const running = inFlightAt(first.snapshot);
  if (gap < 0 || running.length === 0) return { changes, to: last, more: full, stalled: false };

  if (await waitForTransactions(db, running, maxWaitMs)) {
    // Every number up to `last` is final now; what is there is all there will ever be.
    const again = await readPage(db, after, limit, last);
    const lastAgain = again.changes.at(-1)?.seq ?? after;
    const truncated = again.changes.length === limit;
    return { changes: again.changes, to: truncated ? lastAgain : last, more: true, stalled: false };
  }
  const prefix = changes.slice(0, gap);
  return { changes: prefix, to: prefix.at(-1)?.seq ?? after, more: true, stalled: true };
}

/**
 * The newest seq below which every event is final: where a snapshot is taken "as of".
 * Throws FeedBusyError if transactions keep it open longer than `maxWaitMs`.
 */
export async function safeHead(db: Queryable, maxWaitMs: number): Promise<number> {
  const { rows } = await db.query<{ snap: string; head: string }>(
    // After retention deleted everything, the head is where history was cut.
    `SELECT pg_current_snapshot()::text AS snap,
            greatest((SELECT coalesce(max(seq), 0) FROM events), (SELECT pruned_through FROM sync_retention))::text AS head`,
  );
  const row = rows[0] ?? { snap: '0:0:', head: '0' };
  if (!(await waitForTransactions(db, inFlightAt(row.snap), maxWaitMs))) {
    throw new FeedBusyError('transactions writing changes are taking long; try again shortly');
  }
  return Number(row.head);
}

export class FeedBusyError extends Error {
  override name = 'FeedBusyError';
}
