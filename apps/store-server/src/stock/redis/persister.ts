import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { Clock } from '../authority';

/** One hold decision made in Redis, as PostgreSQL records it (see stock_persist_holds). Times in epoch ms. */
export interface GrantOp {
  op: 'grant' | 'record';
  holdId: string;
  storeId: string;
  sku: string;
  holderId: string;
  cartId: string;
  qty: number;
  bucket: number;
  expiresAt: number;
  createdAt: number;
  at: number;
  state?: 'released' | 'expired' | 'cut';
  reason?: string;
}

export type PersistOp =
  | GrantOp
  | {
      op: 'set';
      holdId: string;
      storeId: string;
      sku: string;
      qty: number;
      /** The quantity Redis changed the hold from: PostgreSQL applies the difference (see migration 0100). */
      prev?: number;
      expiresAt: number;
      cartId: string;
      at: number;
    }
  | { op: 'extend'; holdId: string; storeId: string; sku: string; expiresAt: number; at: number }
  | {
      op: 'end';
      holdId: string;
      storeId: string;
      sku: string;
      state: 'released' | 'expired' | 'cut';
      reason: string;
      at: number;
    }
  | {
      op: 'transfer';
      holdId: string;
      storeId: string;
      sku: string;
      holderId: string;
      fromHolderId: string;
      at: number;
    };

interface Queued {
  op: PersistOp;
  /** When PostgreSQL first could not apply it (a grant that did not fit on hand there). */
  deferredSince?: number;
}

export interface PersisterOptions {
  db: pg.Pool;
  clock: Clock;
  logger: FastifyBaseLogger;
  /** Batch window: decisions reach PostgreSQL at most this long after they were made (unless it is down). */
  intervalMs?: number;
  maxBatch?: number;
  /** A grant PostgreSQL cannot fit for this long is voided (default 2 s). */
  voidAfterMs?: number;
  /** At this many decisions waiting (PostgreSQL down or too slow), `full` says so (default 100,000). */
  maxPending?: number;
  /** Removes voided holds from Redis (their units were never really there). */
  onVoid: (holds: GrantOp[]) => Promise<void>;
}

/**
 * Writes Redis-mode hold decisions to PostgreSQL behind the hot path: queued in the order they
 * were made, sent in batches (one SQL call per batch), for the audit trail, the events, the
 * checkout (which reads holds from PostgreSQL) and for rebuilding Redis.
 *
 * A grant that PostgreSQL cannot fit on hand is kept and retried with every batch (another
 * server's release may not have arrived yet); after `voidAfterMs` it is voided: removed from
 * Redis and recorded as a cut hold. Nothing is lost while PostgreSQL is down: the queue waits.
 */
export class HoldPersister {
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly maxBatch: number;
  private readonly voidAfterMs: number;
  private readonly maxPending: number;

  constructor(private readonly options: PersisterOptions) {
    this.intervalMs = options.intervalMs ?? 5;
    this.maxBatch = options.maxBatch ?? 2_000;
    this.voidAfterMs = options.voidAfterMs ?? 2_000;
    this.maxPending = options.maxPending ?? 100_000;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** So many decisions wait for PostgreSQL that no new hold should be granted until they are written. */
  get full(): boolean {
    return this.queue.length >= this.maxPending;
  }

  push(...ops: PersistOp[]): void {
    for (const op of ops) this.queue.push({ op });
    if (!this.timer && !this.stopped) this.timer = setTimeout(() => void this.run(), this.intervalMs);
  }

  /** Sends everything queued now (retrying deferred grants once more) and waits for it. */
  async flush(): Promise<void> {
    await this.running;
    let rounds = 0;
    while (this.queue.some((q) => q.deferredSince === undefined) && rounds++ < 100) await this.run();
    if (this.queue.length > 0) await this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.flush().catch((error) =>
      this.options.logger.error({ err: error, pending: this.queue.length }, 'hold decisions not persisted at stop'),
    );
  }

  private run(): Promise<void> {
    if (this.running) return this.running;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.send()
      .catch((error) =>
        this.options.logger.warn({ err: error, pending: this.queue.length }, 'persisting holds failed; retrying'),
      )
      .finally(() => {
        this.running = undefined;
        if (this.queue.length > 0 && !this.stopped) {
          this.timer = setTimeout(() => void this.run(), this.intervalMs);
        }
      });
    return this.running;
  }

  private async send(): Promise<void> {
    if (this.queue.length === 0) return;
    const taken = this.queue.splice(0, this.maxBatch);
    const batch = collapse(taken);
    let deferred: number[];
    try {
      const { rows } = await this.options.db.query<{ r: { deferred: number[] } }>(
        `SELECT stock_persist_holds($1::jsonb) AS r`,
        [JSON.stringify(batch.map((q) => withGrantEvent(q.op)))],
      );
      deferred = rows[0]?.r.deferred ?? [];
    } catch (error) {
      this.queue.unshift(...taken);
      throw error;
    }
    if (deferred.length === 0) return;
    const now = this.options.clock();
    const retry: Queued[] = [];
    const voided = new Set<string>();
    const voidedGrants: GrantOp[] = [];
    for (const index of deferred) {
      const q = batch[index];
      if (!q) continue;
      const since = q.deferredSince ?? now;
      if (q.op.op === 'grant' && now - since >= this.voidAfterMs) {
        voided.add(q.op.holdId);
        voidedGrants.push(q.op);
        continue;
      }
      if (voided.has(q.op.holdId)) continue;
      retry.push({ op: q.op, deferredSince: since });
    }
    this.queue.unshift(...retry);
    if (voidedGrants.length > 0) {
      this.options.logger.warn(
        { holds: voidedGrants.map((g) => g.holdId) },
        'holds PostgreSQL could not confirm were voided',
      );
      await this.options.onVoid(voidedGrants);
      this.queue.unshift(
        ...voidedGrants.map(
          (g): Queued => ({
            op: {
              ...g,
              op: 'record',
              state: 'cut',
              reason: 'The stock record had fewer units than this hold needed; please add the item again',
              at: now,
            },
          }),
        ),
      );
    }
  }
}

/**
 * A grant goes with the payload of its hold.granted event, as stock_hold_payload builds it from
 * the new row: PostgreSQL writes it as it comes instead of building it (migration 0100).
 */
export function withGrantEvent(op: PersistOp): PersistOp | (GrantOp & { event: Record<string, unknown> }) {
  if (op.op !== 'grant') return op;
  const event = {
    holdId: op.holdId,
    storeId: op.storeId,
    sku: op.sku,
    holderId: op.holderId,
    cartId: op.cartId || null,
    qty: op.qty,
    state: 'active',
    expiresAt: new Date(op.expiresAt).toISOString(),
    reason: null,
    orderId: null,
  };
  return { ...op, event };
}

/**
 * A hold with several ops in a batch (or still waiting from an earlier one) reaches PostgreSQL
 * as one op with its latest state, so that PostgreSQL never has to fit a step Redis has already
 * moved past:
 * - from a grant: a 'grant' of the current quantity, or a 'record' when it already ended;
 * - from a change or an extension: one 'set' (or 'extend') to the latest quantity and expiry,
 *   or the 'end' alone when it ended. On a Redis Cluster decisions can arrive here in another
 *   order than Redis made them: a raise that was later lowered may never fit beside a grant that
 *   took the units the lowering gave back, and waiting for it would hold back the hold's later
 *   ops for good.
 * The folded op sits where the hold's last op was, so ops of other holds keep their order. A
 * transfer is never folded.
 */
export function collapse(batch: Queued[]): Queued[] {
  const byHold = new Map<string, number[]>();
  batch.forEach((q, i) => {
    const list = byHold.get(q.op.holdId) ?? [];
    list.push(i);
    byHold.set(q.op.holdId, list);
  });
  const drop = new Set<number>();
  const replace = new Map<number, Queued>();
  for (const indexes of byHold.values()) {
    if (indexes.length < 2) continue;
    const first = batch[indexes[0] as number] as Queued;
    const ops = indexes.map((i) => (batch[i] as Queued).op);
    const folded = first.op.op === 'grant' ? foldGrant(first.op, ops) : foldChanges(ops);
    if (!folded) continue;
    for (const i of indexes) drop.add(i);
    const lastIndex = indexes.at(-1) as number;
    drop.delete(lastIndex);
    replace.set(lastIndex, { op: folded, deferredSince: first.deferredSince });
  }
  return batch.flatMap((q, i) => (drop.has(i) ? [] : [replace.get(i) ?? q]));
}

function foldGrant(first: GrantOp, ops: PersistOp[]): GrantOp {
  let grant = first;
  for (const op of ops) {
    if (op.op === 'set') grant = { ...grant, qty: op.qty, expiresAt: op.expiresAt, cartId: op.cartId || grant.cartId };
    if (op.op === 'extend') grant = { ...grant, expiresAt: op.expiresAt };
    if (op.op === 'transfer') grant = { ...grant, holderId: op.holderId };
    if (op.op === 'end') grant = { ...grant, op: 'record', state: op.state, reason: op.reason, at: op.at };
  }
  return grant;
}

/** Changes and extensions of a hold PostgreSQL already has, maybe ending with its end, as one op. */
function foldChanges(ops: PersistOp[]): PersistOp | undefined {
  let folded: PersistOp | undefined;
  for (const [i, op] of ops.entries()) {
    if (op.op === 'end') return i === ops.length - 1 ? op : undefined;
    const before = folded?.op === 'set' ? folded : undefined;
    if (op.op === 'set') {
      // From the quantity the first change started at: PostgreSQL applies the difference.
      folded = { ...op, cartId: op.cartId || (before?.cartId ?? ''), prev: before ? before.prev : op.prev };
    } else if (op.op === 'extend') {
      folded = before ? { ...before, expiresAt: op.expiresAt, at: op.at } : op;
    } else {
      return undefined;
    }
  }
  return folded;
}
