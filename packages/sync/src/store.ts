import type { ReconciliationResult } from './commands';
import type { Change } from './feed';

/**
 * What the sync client needs from the program it runs in: a durable place for the
 * replica, its cursor and the outbox. The POS implements it on SQLite; tests use
 * `MemorySyncStore`. Each method may answer synchronously (better-sqlite3) or with a
 * promise (IndexedDB).
 *
 * Atomicity is the host's promise: a batch of changes is applied together with the cursor
 * that says it was applied, or not at all; a snapshot replaces the replica and sets the
 * cursor in one step; settling results removes the items from the outbox in the same step
 * that records the results. After a crash at any point, the client resumes from what the
 * store says and the server's at-most-once handling makes every resend safe.
 */
export type MaybePromise<T> = T | Promise<T>;

export interface SnapshotInfo {
  snapshotId: string;
  /** After committing, the cursor is here and the feed continues from it. */
  asOf: number;
  sections: string[];
}

export interface SnapshotPage {
  snapshotId: string;
  section: string;
  items: Record<string, unknown>[];
}

/** An outbox item as stored: the host's id for it and the item as it will be sent. */
export interface StoredOutboxItem {
  id: string;
  item: unknown;
}

export interface Settlement {
  /** The stored item's id. */
  id: string;
  result: ReconciliationResult;
}

export interface SyncStore {
  /** The last change applied; null when the replica is empty (the client then loads a snapshot). */
  cursor(): MaybePromise<number | null>;
  /** Applies `changes` in order and sets the cursor to `to`, atomically. `changes` may be empty. */
  applyChanges(batch: { changes: Change[]; to: number }): MaybePromise<void>;
  /** A snapshot starts: drop any half-loaded one. The current replica keeps serving until commit. */
  beginSnapshot(info: SnapshotInfo): MaybePromise<void>;
  applySnapshotPage(page: SnapshotPage): MaybePromise<void>;
  /** Replaces the replica with the snapshot and sets the cursor to `asOf`, atomically. */
  commitSnapshot(info: SnapshotInfo): MaybePromise<void>;
  /** Unsettled outbox items, oldest first, leaving out `exclude`. */
  pendingOutbox(options: { limit: number; exclude: ReadonlySet<string> }): MaybePromise<StoredOutboxItem[]>;
  /** Records final results and removes their items from the outbox, atomically. */
  settle(settlements: Settlement[]): MaybePromise<void>;
}

/**
 * The store in memory, for tests and for clients that keep nothing (a dashboard tab). It
 * keeps every change it applied, in order, so tests can check exactly-once and ordering.
 */
export class MemorySyncStore implements SyncStore {
  private lastSeq: number | null = null;
  /** Every change applied, in order. */
  readonly applied: Change[] = [];
  /** The replica as snapshots left it: section → items. */
  sections = new Map<string, Record<string, unknown>[]>();
  private staged: { info: SnapshotInfo; sections: Map<string, Record<string, unknown>[]> } | undefined;
  readonly snapshotsCommitted: SnapshotInfo[] = [];
  private readonly outbox: StoredOutboxItem[] = [];
  readonly results = new Map<string, ReconciliationResult>();

  constructor(options: { cursor?: number | null; outbox?: StoredOutboxItem[] } = {}) {
    this.lastSeq = options.cursor ?? null;
    for (const item of options.outbox ?? []) this.outbox.push(item);
  }

  cursor(): number | null {
    return this.lastSeq;
  }

  applyChanges(batch: { changes: Change[]; to: number }): void {
    if (this.lastSeq !== null && batch.to < this.lastSeq) {
      throw new Error(`cursor would move back from ${this.lastSeq} to ${batch.to}`);
    }
    this.applied.push(...batch.changes);
    this.lastSeq = batch.to;
  }

  beginSnapshot(info: SnapshotInfo): void {
    this.staged = { info, sections: new Map() };
  }

  applySnapshotPage(page: SnapshotPage): void {
    if (this.staged?.info.snapshotId !== page.snapshotId) throw new Error(`no snapshot ${page.snapshotId} in progress`);
    const items = this.staged.sections.get(page.section) ?? [];
    items.push(...page.items);
    this.staged.sections.set(page.section, items);
  }

  commitSnapshot(info: SnapshotInfo): void {
    if (this.staged?.info.snapshotId !== info.snapshotId) throw new Error(`no snapshot ${info.snapshotId} in progress`);
    this.sections = this.staged.sections;
    this.staged = undefined;
    this.lastSeq = info.asOf;
    this.snapshotsCommitted.push(info);
  }

  /** Puts an item in the outbox (the POS does this in the transaction that records the sale). */
  add(id: string, item: unknown): void {
    this.outbox.push({ id, item });
  }

  pendingOutbox(options: { limit: number; exclude: ReadonlySet<string> }): StoredOutboxItem[] {
    return this.outbox.filter((o) => !options.exclude.has(o.id)).slice(0, options.limit);
  }

  settle(settlements: Settlement[]): void {
    for (const { id, result } of settlements) {
      const at = this.outbox.findIndex((o) => o.id === id);
      if (at >= 0) this.outbox.splice(at, 1);
      this.results.set(id, result);
    }
  }

  get pendingCount(): number {
    return this.outbox.length;
  }
}
