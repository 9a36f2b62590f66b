import { RECONCILIATION_STATUSES, type ReconciliationReport, type UploadResult } from '@till/sync';
import type pg from 'pg';

interface ItemRow {
  id: string;
  kind: string;
  status: (typeof RECONCILIATION_STATUSES)[number];
  reason: string | null;
  details: Pick<UploadResult, 'stock' | 'price'>;
  received_at: Date;
  duplicates: number;
}

/** What became of a terminal's uploads: counts per result and the latest items. */
export async function reconciliationReport(
  db: pg.Pool,
  terminal: { id: string; name: string },
  limit: number,
): Promise<ReconciliationReport> {
  const [counts, items] = await Promise.all([
    db.query<{ status: ItemRow['status']; n: string; duplicates: string }>(
      `SELECT status, count(*)::text AS n, sum(duplicates)::text AS duplicates
       FROM terminal_uploads WHERE terminal_id = $1 GROUP BY status`,
      [terminal.id],
    ),
    db.query<ItemRow>(
      `SELECT id, kind, status, reason, details, received_at, duplicates FROM terminal_uploads
       WHERE terminal_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2`,
      [terminal.id, limit],
    ),
  ]);
  const byStatus = Object.fromEntries(RECONCILIATION_STATUSES.map((s) => [s, 0])) as ReconciliationReport['counts'];
  let duplicatesReceived = 0;
  for (const row of counts.rows) {
    byStatus[row.status] = Number(row.n);
    duplicatesReceived += Number(row.duplicates);
  }
  byStatus.duplicate = duplicatesReceived;
  return {
    terminalId: terminal.id,
    name: terminal.name,
    counts: byStatus,
    duplicatesReceived,
    items: items.rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status,
      reason: r.reason,
      ...r.details,
      receivedAt: r.received_at.toISOString(),
      duplicates: r.duplicates,
    })),
  };
}
