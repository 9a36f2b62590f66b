import type { Db } from './platform/db';

/**
 * An outbox item in the sync contract's shape (@till/sync `outboxItemSchema`): an id the
 * terminal made (UUIDv7), the terminal, when, and the command's payload.
 */
export interface OutboxEnvelope {
  id: string;
  kind: string;
  terminalId: string;
  createdAt: number;
  payload: Record<string, unknown>;
}

/** The server's final answer for one item (its reconciliation result). */
export interface Settlement {
  id: string;
  result: { status: string } & Record<string, unknown>;
}

export interface OutboxResult {
  id: string;
  kind: string;
  createdAt: number;
  settledAt: number | null;
  status: string | null;
  result: Record<string, unknown> | null;
}

interface OutboxRow {
  seq: number;
  id: string;
  kind: string;
  item: string;
  created_at: number;
  settled_at: number | null;
  status: string | null;
  result: string | null;
}

/** What counts as a sale waiting to sync on the badge. */
const SALE_KINDS = ['sale', 'return'] as const;

/**
 * The outbox lives in the terminal database. `append` must run inside a durable
 * transaction (Db.transaction with `durable: true`), together with what the item closes.
 */
export class OutboxStore {
  constructor(private readonly db: Db) {}

  append(item: OutboxEnvelope): void {
    this.db.run('INSERT INTO outbox (id, kind, item, created_at) VALUES (?, ?, ?, ?)', [
      item.id,
      item.kind,
      JSON.stringify(item),
      item.createdAt,
    ]);
  }

  /** Unsettled items of the given kinds, oldest first, leaving out `exclude`. */
  pending(options: { limit: number; exclude?: ReadonlySet<string>; kinds?: readonly string[] }): {
    id: string;
    item: OutboxEnvelope;
  }[] {
    const kinds = options.kinds;
    const out: { id: string; item: OutboxEnvelope }[] = [];
    let after = 0;
    // Page past excluded ids (items in flight) without loading the whole outbox.
    while (out.length < options.limit) {
      const rows = this.db.all<OutboxRow>(
        'SELECT seq, id, kind, item FROM outbox WHERE settled_at IS NULL AND seq > ? ORDER BY seq LIMIT ?',
        [after, options.limit],
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        after = row.seq;
        if (options.exclude?.has(row.id)) continue;
        if (kinds && !kinds.includes(row.kind)) continue;
        out.push({ id: row.id, item: JSON.parse(row.item) as OutboxEnvelope });
        if (out.length === options.limit) break;
      }
    }
    return out;
  }

  pendingCount(kinds: readonly string[] = SALE_KINDS): number {
    const marks = kinds.map(() => '?').join(', ');
    return (
      this.db.get<{ n: number }>(
        `SELECT count(*) AS n FROM outbox WHERE settled_at IS NULL AND kind IN (${marks})`,
        kinds,
      )?.n ?? 0
    );
  }

  /** Records final results, in one transaction; an id that is unknown or already settled changes nothing. */
  settle(settlements: readonly Settlement[], now: number): number {
    let changed = 0;
    this.db.transaction(() => {
      for (const { id, result } of settlements) {
        changed += this.db.run(
          'UPDATE outbox SET settled_at = ?, status = ?, result = ? WHERE id = ? AND settled_at IS NULL',
          [now, result.status, JSON.stringify(result), id],
        ).changes;
      }
    });
    return changed;
  }

  results(limit = 50): OutboxResult[] {
    return this.db.all<OutboxRow>('SELECT * FROM outbox ORDER BY seq DESC LIMIT ?', [limit]).map((row) => ({
      id: row.id,
      kind: row.kind,
      createdAt: row.created_at,
      settledAt: row.settled_at,
      status: row.status,
      result: row.result ? (JSON.parse(row.result) as Record<string, unknown>) : null,
    }));
  }
}
