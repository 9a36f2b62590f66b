import type { CatalogStore } from './catalog';
import type { OutboxEnvelope, OutboxStore, Settlement } from './outbox';
import type { Clock } from './platform/clock';
import { type Db, isStorageError } from './platform/db';
import {
  applyChange,
  applySnapshotItem,
  type FeedChange,
  pricingVersionOf,
  type ReplicaChecks,
} from './replica-changes';
import type { SettingsStore } from './settings';

/** A snapshot the server is sending: after commit, the cursor is `asOf`. */
export interface SnapshotInfo {
  snapshotId: string;
  asOf: number;
  sections: string[];
}

export interface SnapshotPage {
  snapshotId: string;
  section: string;
  items: Record<string, unknown>[];
}

/** What changed in the replica, told to listeners after the commit. */
export interface AppliedResult {
  appliedSeq: number;
  pricingChanged: boolean;
  /** Changes whose payload did not parse: skipped (the rest still applied), named for the log. */
  problems: { seq: number; type: string; message: string }[];
}

interface SyncStateRow {
  applied_seq: number;
  pricing_seq: number;
  pricing_version: number | null;
  snapshot_at: number | null;
}

/**
 * The terminal's side of sync storage on SQLite (@till/sync's SyncStore): the replica's
 * cursor, batches applied in one transaction with the cursor (a crash leaves all of a
 * batch or none of it), snapshots staged page by page and swapped in at commit, and the
 * outbox with its settlements. In-memory state (caches, the badge) moves only after commits.
 */
export class SqliteSyncStore {
  private readonly listeners = new Set<(result: AppliedResult) => void>();
  private readonly settledListeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly catalog: CatalogStore,
    private readonly settings: SettingsStore,
    private readonly outbox: OutboxStore,
    private readonly clock: Clock,
    private readonly checks: ReplicaChecks,
    /** Outbox kinds the server understands; others wait in the outbox until it does. */
    private readonly uploadKinds: readonly string[] = ['sale', 'return', 'cash_count', 'drawer_open'],
  ) {}

  /** The last change applied; null while the replica has never been loaded (the client then asks for a snapshot). */
  cursor(): number | null {
    const s = this.state();
    return s.snapshot_at === null && s.applied_seq === 0 ? null : s.applied_seq;
  }

  seqs(): { appliedSeq: number; pricingSeq: number; pricingVersion: number | null } {
    const s = this.state();
    return { appliedSeq: s.applied_seq, pricingSeq: s.pricing_seq, pricingVersion: s.pricing_version };
  }

  onApplied(listener: (result: AppliedResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onSettled(listener: () => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  /**
   * Applies the changes newer than the cursor, in order, and sets the cursor to `to`, in
   * one transaction. Replaying a batch changes nothing; the cursor never moves back.
   */
  applyChanges(batch: { changes: readonly FeedChange[]; to: number }): void {
    const result = this.db.transaction(() => {
      const state = this.state();
      if (batch.to < state.applied_seq) return null;
      let pricingSeq = state.pricing_seq;
      let pricingVersion = state.pricing_version;
      const problems: AppliedResult['problems'] = [];
      const now = this.clock.now();
      for (const change of [...batch.changes].sort((a, b) => a.seq - b.seq)) {
        if (change.seq <= state.applied_seq) continue;
        pricingVersion = pricingVersionOf(change.payload) ?? pricingVersion;
        try {
          // A savepoint per change: one bad payload is skipped without undoing the others.
          this.db.transaction(() => {
            if (applyChange(change, this.catalog, this.settings, now, this.checks).pricing) pricingSeq = change.seq;
          });
        } catch (error) {
          // The database failing is not a bad change: the whole batch waits for a retry.
          if (isStorageError(error)) throw error;
          problems.push({ seq: change.seq, type: change.type, message: (error as Error).message });
        }
      }
      this.db.run('UPDATE sync_state SET applied_seq = ?, pricing_seq = ?, pricing_version = ? WHERE id = 1', [
        batch.to,
        pricingSeq,
        pricingVersion,
      ]);
      return { appliedSeq: batch.to, pricingChanged: pricingSeq !== state.pricing_seq, problems };
    });
    if (result) this.notify(result);
  }

  beginSnapshot(info: SnapshotInfo): void {
    this.db.run('DELETE FROM snapshot_staging');
    void info;
  }

  applySnapshotPage(page: SnapshotPage): void {
    this.db.transaction(() => {
      const start =
        this.db.get<{ n: number | null }>(
          'SELECT max(position) AS n FROM snapshot_staging WHERE snapshot_id = ? AND section = ?',
          [page.snapshotId, page.section],
        )?.n ?? -1;
      page.items.forEach((item, i) => {
        this.db.run('INSERT INTO snapshot_staging (snapshot_id, section, position, item) VALUES (?, ?, ?, ?)', [
          page.snapshotId,
          page.section,
          start + 1 + i,
          JSON.stringify(item),
        ]);
      });
    });
  }

  /** Replaces the replica with the staged snapshot and sets the cursor to `asOf`, atomically. */
  commitSnapshot(info: SnapshotInfo): void {
    const problems: AppliedResult['problems'] = [];
    this.db.transaction(() => {
      this.db.run('INSERT INTO bulk_load (id) VALUES (1)');
      this.catalog.clear();
      let pricingVersion: number | null = null;
      const now = this.clock.now();
      // The store's settings first: products without a currency take the store's.
      const sections = [...info.sections].sort((a, b) => Number(b === 'store') - Number(a === 'store'));
      for (const section of sections) {
        for (const row of this.db.all<{ item: string }>(
          'SELECT item FROM snapshot_staging WHERE snapshot_id = ? AND section = ? ORDER BY position',
          [info.snapshotId, section],
        )) {
          const item = JSON.parse(row.item) as Record<string, unknown>;
          pricingVersion =
            pricingVersionOf(item) ??
            (section === 'pricing' ? pricingVersionOf({ pricingVersion: item.version }) : null) ??
            pricingVersion;
          try {
            applySnapshotItem(section, item, info.asOf, this.catalog, this.settings, now, this.checks);
          } catch (error) {
            if (isStorageError(error)) throw error;
            problems.push({ seq: info.asOf, type: `snapshot.${section}`, message: (error as Error).message });
          }
        }
      }
      this.db.run('DELETE FROM snapshot_staging');
      // The name index, rebuilt once from the new catalog.
      this.db.run(`INSERT INTO products_search (products_search) VALUES ('rebuild')`);
      this.db.run('DELETE FROM bulk_load');
      this.db.run(
        'UPDATE sync_state SET applied_seq = ?, pricing_seq = ?, pricing_version = ?, snapshot_at = ? WHERE id = 1',
        [info.asOf, info.asOf, pricingVersion, now],
      );
    });
    // The staged copy is gone: give its pages back.
    this.db.pragma('incremental_vacuum');
    this.notify({ appliedSeq: info.asOf, pricingChanged: true, problems });
  }

  /** Unsettled outbox items the server understands, oldest first. */
  pendingOutbox(options: { limit: number; exclude: ReadonlySet<string> }): { id: string; item: OutboxEnvelope }[] {
    return this.outbox.pending({ ...options, kinds: this.uploadKinds });
  }

  settle(settlements: readonly Settlement[]): void {
    this.outbox.settle(settlements, this.clock.now());
    for (const listener of this.settledListeners) listener();
  }

  private state(): SyncStateRow {
    const row = this.db.get<SyncStateRow>(
      'SELECT applied_seq, pricing_seq, pricing_version, snapshot_at FROM sync_state WHERE id = 1',
    );
    if (!row) throw new Error('sync_state row is missing');
    return row;
  }

  private notify(result: AppliedResult): void {
    for (const listener of this.listeners) listener(result);
  }
}
