import type { ReconciliationStatus, UploadResult } from '@till/sync';
import type pg from 'pg';
import type { UploadSession } from './outcome';
import { type Prepared, storable } from './prepare';

/**
 * Sales (and items already found to be rejected) of an uploaded batch, applied together
 * by one call of the SQL function `pos_record_sales` (migration 0040) in the caller's
 * transaction: every id claimed at most once, each sale with its stock movements and
 * events, results in batch order — the same outcome as applying them one after the other,
 * with a handful of set-based statements instead of a dozen per sale.
 *
 * It throws when any item makes the database fail (a constraint, a trigger, a bug): the
 * caller then rolls the call back and applies the items one at a time, so that the bad
 * item is rejected alone.
 */

/** A sale of a batch: the item, and the price discrepancy found by pricing it again, if any. */
export type BatchEntry = Prepared & { price?: UploadResult['price'] };

/** Whether an item can go into a batch: a valid sale, or any item already rejected. */
export const batchable = (p: Prepared): boolean => !p.valid || p.item.kind === 'sale';

interface Row {
  ord: number;
  status: Exclude<ReconciliationStatus, 'stock_discrepancy' | 'price_discrepancy'> | ReconciliationStatus;
  original: ReconciliationStatus | null;
  reason: string | null;
  details: Pick<UploadResult, 'stock' | 'price'>;
}

function toRow(entry: BatchEntry, ord: number) {
  if (entry.valid) {
    const { item } = entry;
    return {
      ord,
      id: item.id,
      result_id: item.id,
      kind: item.kind,
      created_at: item.createdAt,
      payload: item.payload,
      ...(entry.price ? { price: entry.price } : {}),
    };
  }
  return {
    ord,
    id: entry.id,
    result_id: entry.givenId,
    kind: entry.kind,
    created_at: entry.createdAt,
    payload: storable(entry.raw),
    reject: entry.reason,
  };
}

export async function recordSalesBatch(
  client: pg.PoolClient,
  session: UploadSession,
  entries: BatchEntry[],
): Promise<UploadResult[]> {
  const { rows } = await client.query<Row>(
    'SELECT ord, status, original, reason, details FROM pos_record_sales($1, $2, $3)',
    [session.storeId, session.terminalId, JSON.stringify(entries.map(toRow))],
  );
  if (rows.length !== entries.length) {
    throw new Error(`pos_record_sales answered ${rows.length} of ${entries.length} items`);
  }
  return rows.map((row) => {
    const entry = entries[row.ord] as BatchEntry;
    const id = entry.valid ? entry.item.id : entry.givenId;
    return {
      index: entry.index,
      id,
      status: row.status,
      ...(row.original ? { original: row.original } : {}),
      ...(row.reason ? { reason: row.reason } : {}),
      ...row.details,
    };
  });
}
