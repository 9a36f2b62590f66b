import type pg from 'pg';
import { appendEvents } from '../db/events';

export interface OfflineSale {
  storeId: string;
  /** The terminal-made id of the sale (UUIDv7). A sale is applied at most once per id. */
  saleId: string;
  lines: ReadonlyArray<{ sku: string; qty: number }>;
}

export interface HoldTaken {
  holdId: string;
  holderId: string;
  /** Units taken from the hold. */
  taken: number;
  /** Units the hold still has; 0: it ended (state 'cut'). */
  qtyLeft: number;
}

export interface SaleLineResult {
  sku: string;
  /** Units sold on this line (lines of the same SKU are added up). */
  qty: number;
  /** False only for a SKU the server does not know: nothing could be recorded for it. */
  recorded: boolean;
  unknownSku: boolean;
  onHandBefore: number;
  availableBefore: number;
  /** Units sold beyond what the server showed as available (0: no discrepancy). */
  shortfall: number;
  /** Online holds that could no longer be honoured, newest first. */
  holdsTaken: HoldTaken[];
  /** The SKU's counters after the sale. */
  after: { received: number; sold: number; held: number; onHand: number; available: number } | undefined;
}

export interface SaleStockResult {
  /** True when this sale id was applied before: nothing changed this time. */
  duplicate: boolean;
  lines: SaleLineResult[];
}

interface MovementResult {
  applied: boolean;
  duplicate?: boolean;
  unknownSku?: boolean;
  onHandBefore?: number;
  availableBefore?: number;
  shortfall?: number;
  holdsTaken?: HoldTaken[];
  state?: SaleLineResult['after'];
}

const MAX_UNITS_PER_LINE = 1_000_000;

/**
 * Records the stock side of an offline sale from a terminal, inside the caller's transaction
 * (`client` must be in a transaction the caller commits or rolls back; nothing here commits).
 *
 * What it does, per SKU (lines of the same SKU are added up; SKUs are taken in sorted order so
 * that concurrent sales never deadlock):
 * 1. Locks the SKU's `stock_levels` row (creating it at zero for a known product never stocked
 *    in this store).
 * 2. Always adds the units to `sold`, as an `offline_sale` movement in `stock_movements` with
 *    the sale id as its source: the goods are gone, so the sale stands even when the server
 *    thought there was not enough. On hand may then go negative (the only path that can do
 *    that); while it is, nothing can be held for the SKU.
 * 3. Reports the discrepancy: `shortfall` = units sold beyond what was available (on hand minus
 *    held) just before.
 * 4. Cuts the holds that can no longer be honoured: while more is held than is on hand, units
 *    are taken from the newest active holds first (a hold loses only what it must; one left
 *    with none ends as `cut`), and each holder is told why by a `hold.cut` event whose
 *    `reason` says the units were sold in the shop.
 * 5. Writes in the same transaction the events `stock.changed` (the SKU's full new state:
 *    received, sold, onHand, held, available), `alert.low_stock` when available just fell
 *    below the SKU's threshold (once per crossing), one `stock.sold_offline` event for the sale
 *    (its lines and discrepancies), and a `stock_authority_feed` row so that the Redis stock
 *    authority, if one runs, applies the same change to its own state after the commit.
 *
 * Redis mode: call `app.stock.flush()` before the transaction, so that holds granted in the last
 * few milliseconds are already in PostgreSQL and the right (newest) ones are cut here. Either
 * way, after the commit the Redis authority applies the change from `stock_authority_feed`
 * (within 250 ms, or at once with `app.stock.applyFeed()`) and cuts, newest first, any hold it
 * still has beyond on hand.
 *
 * Returns one line per SKU, in SKU order. Idempotent by `saleId`: a sale already recorded returns `{ duplicate: true }` and changes
 * nothing. An unknown SKU cannot be recorded: its line comes back with `recorded: false,
 * unknownSku: true` and the other lines are still recorded. Quantities must be positive whole
 * numbers (a return is not a sale); anything else throws before any change.
 */
export async function recordSale(client: pg.PoolClient, sale: OfflineSale): Promise<SaleStockResult> {
  const perSku = new Map<string, number>();
  for (const line of sale.lines) {
    if (!Number.isSafeInteger(line.qty) || line.qty <= 0 || line.qty > MAX_UNITS_PER_LINE) {
      throw new RangeError(`Sale ${sale.saleId}: qty of ${line.sku} must be a whole number from 1 to 1,000,000`);
    }
    perSku.set(line.sku, (perSku.get(line.sku) ?? 0) + line.qty);
  }
  const seen = await client.query('SELECT 1 FROM stock_movements WHERE store_id = $1 AND source_id = $2 LIMIT 1', [
    sale.storeId,
    sale.saleId,
  ]);
  if (seen.rowCount) return { duplicate: true, lines: [] };
  const reason = `Sold in the shop (sale ${sale.saleId}) before your order was placed`;
  const lines: SaleLineResult[] = [];
  let duplicate = false;
  for (const [sku, qty] of [...perSku].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const { rows } = await client.query<{ r: MovementResult }>(
      `SELECT stock_apply_movement($1, $2, 'offline_sale', 0, $3, $4, NULL, false, $5) AS r`,
      [sale.storeId, sku, qty, sale.saleId, reason],
    );
    const r = rows[0]?.r;
    if (!r) throw new Error(`stock_apply_movement returned nothing for ${sku}`);
    if (r.duplicate) {
      duplicate = true;
      continue;
    }
    lines.push({
      sku,
      qty,
      recorded: r.applied,
      unknownSku: r.unknownSku === true,
      onHandBefore: r.onHandBefore ?? 0,
      availableBefore: r.availableBefore ?? 0,
      shortfall: r.shortfall ?? 0,
      holdsTaken: r.holdsTaken ?? [],
      after: r.state,
    });
  }
  if (duplicate) {
    // Another transaction recorded the same sale while this one ran: roll this one back.
    if (lines.some((l) => l.recorded)) throw new Error(`Sale ${sale.saleId} was recorded concurrently; retry`);
    return { duplicate: true, lines: [] };
  }
  await appendEvents(client, [
    {
      storeId: sale.storeId,
      type: 'stock.sold_offline',
      payload: {
        storeId: sale.storeId,
        saleId: sale.saleId,
        lines: lines.map((l) => ({
          sku: l.sku,
          qty: l.qty,
          recorded: l.recorded,
          shortfall: l.shortfall,
          holdsCut: l.holdsTaken.length,
        })),
      },
    },
  ]);
  return { duplicate: false, lines };
}
