import { Decimal } from 'decimal.js';
import type { Handler, Outcome } from './outcome';
import { UploadRejection } from './outcome';

/** A count of a cash drawer; a difference from what the terminal expected alerts the manager. */
export const applyCashCount: Handler<'cash_count'> = async (ctx, item) => {
  const count = item.payload;
  if (count.currency !== ctx.currency) {
    throw new UploadRejection(`the count is in ${count.currency}, but this store's cash is ${ctx.currency}`);
  }
  const difference = count.expected === null ? null : new Decimal(count.counted).minus(count.expected).toFixed();
  const row = {
    sql: `INSERT INTO cash_counts (id, store_id, terminal_id, drawer_id, kind, counted_at, currency, counted, expected,
                                   difference, denominations, note)
          VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0), $7, $8, $9, $10, $11, $12)`,
    values: [
      item.id,
      ctx.storeId,
      ctx.terminalId,
      count.drawerId,
      count.kind,
      count.countedAt,
      count.currency,
      count.counted,
      count.expected,
      difference,
      count.denominations ? JSON.stringify(count.denominations) : null,
      count.note ?? null,
    ],
  };
  const payload = {
    countId: item.id,
    storeId: ctx.storeId,
    terminalId: ctx.terminalId,
    drawerId: count.drawerId,
    kind: count.kind,
    countedAt: new Date(count.countedAt).toISOString(),
    currency: count.currency,
    counted: count.counted,
    expected: count.expected,
    difference,
  };
  const events: Outcome['events'] = [{ storeId: ctx.storeId, type: 'cash.counted', payload }];
  if (difference !== null && !new Decimal(difference).isZero()) {
    events.push({ storeId: ctx.storeId, type: 'alert.cash_difference', payload });
  }
  return { status: 'accepted', details: {}, row, events };
};
