import type { Handler } from './outcome';
import { UploadRejection } from './outcome';

/**
 * A customer return: recorded with its refund; goods that go back on the shelf come back
 * into stock as a receipt movement of the stock ledger (idempotent by the return's id).
 * The original sale may be unknown (another terminal not yet synced, or older than Till):
 * the return stands and says so.
 */
export const applyReturn: Handler<'return'> = async (ctx, item) => {
  const ret = item.payload;
  const sale = ret.saleId
    ? (
        await ctx.client.query<{ currency: string }>('SELECT currency FROM pos_sales WHERE id = $1 AND store_id = $2', [
          ret.saleId,
          ctx.storeId,
        ])
      ).rows[0]
    : undefined;
  const known = sale !== undefined;
  // A refund is paid in the money of the sale it undoes. A sale the server does not know yet
  // (another terminal still offline) cannot be checked: the refund has happened, so it stands.
  if (sale && ret.currency !== sale.currency) {
    throw new UploadRejection(
      `the return is in ${ret.currency}, but its sale ${ret.saleId} was paid in ${sale.currency}`,
    );
  }
  if (ret.restock) {
    const perSku = new Map<string, number>();
    for (const line of ret.lines) perSku.set(line.sku, (perSku.get(line.sku) ?? 0) + line.qty);
    // SKUs in sorted order, as the stock code takes its row locks, so that concurrent commands never deadlock.
    for (const [sku, qty] of [...perSku].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const moved = await ctx.client.query<{ r: { applied: boolean; unknownSku?: boolean } }>(
        `SELECT stock_apply_movement($1, $2, 'receipt', $3, 0, $4, $5, false, NULL) AS r`,
        [ctx.storeId, sku, qty, item.id, `returned by a customer at terminal ${ctx.terminalId}`],
      );
      if (moved.rows[0]?.r.unknownSku) throw new UploadRejection(`SKU ${sku} is not in the catalog`);
    }
  }
  const row = {
    sql: `INSERT INTO pos_returns (id, store_id, terminal_id, returned_at, currency, sale_id, sale_known, refund_total,
                                   restock, reason, lines)
          VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), $5, $6, $7, $8, $9, $10, $11)`,
    values: [
      item.id,
      ctx.storeId,
      ctx.terminalId,
      ret.returnedAt,
      ret.currency,
      ret.saleId,
      known,
      ret.refundTotal,
      ret.restock,
      ret.reason ?? null,
      JSON.stringify(ret.lines),
    ],
  };
  return {
    status: 'accepted',
    details: {},
    row,
    events: [
      {
        storeId: ctx.storeId,
        type: 'return.recorded',
        payload: {
          returnId: item.id,
          storeId: ctx.storeId,
          terminalId: ctx.terminalId,
          returnedAt: new Date(ret.returnedAt).toISOString(),
          saleId: ret.saleId,
          saleKnown: known,
          currency: ret.currency,
          refundTotal: ret.refundTotal,
          restock: ret.restock,
          lines: ret.lines,
        },
      },
    ],
  };
};
