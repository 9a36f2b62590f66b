import type { UploadResult } from '@till/sync';
import { Decimal } from 'decimal.js';
import { recordSale } from '../../stock/sales';
import { type Handler, type Outcome, type SalePricer, UploadRejection } from './outcome';

type SaleItem = Parameters<Handler<'sale'>>[1];
type Sale = SaleItem['payload'];

/** The most units of one SKU a sale may take (the stock ledger's bound). */
const MAX_UNITS_PER_SKU = 1_000_000;

/**
 * Why the server cannot accept a sale whatever the stock says, or undefined. A sale in
 * another currency than the store's stands: the cashier priced it with the rates snapshot it
 * names, and the goods are gone.
 */
export function saleProblem(sale: Sale): string | undefined {
  const perSku = new Map<string, number>();
  for (const line of sale.lines) perSku.set(line.sku, (perSku.get(line.sku) ?? 0) + line.qty);
  for (const [sku, qty] of perSku) {
    if (qty > MAX_UNITS_PER_SKU)
      return `the sale takes ${qty} units of ${sku}; a sale takes at most 1,000,000 units of one SKU`;
  }
  return undefined;
}

/**
 * A terminal's sale: recorded with its stock movement (the goods are gone, so it stands
 * even beyond the stock the server knew of: a stock discrepancy, and the manager is
 * alerted), and priced again when the terminal used an older rules snapshot (the
 * terminal's price stands; the difference is recorded).
 */
export const applySale: Handler<'sale'> = async (ctx, item) => {
  const sale = item.payload;
  const stock = await recordSale(ctx.client, {
    storeId: ctx.storeId,
    saleId: item.id,
    lines: sale.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
  });
  const unknown = stock.lines.filter((l) => l.unknownSku).map((l) => l.sku);
  if (unknown.length > 0) {
    throw new UploadRejection(`${unknown.length === 1 ? 'SKU' : 'SKUs'} ${unknown.join(', ')} not in the catalog`);
  }
  const shortfalls: NonNullable<UploadResult['stock']> = stock.lines
    .filter((l) => l.shortfall > 0)
    .map((l) => ({ sku: l.sku, qty: l.qty, available: l.availableBefore }));
  const price = ctx.price;
  const row = {
    sql: `INSERT INTO pos_sales (id, store_id, terminal_id, sold_at, currency, subtotal, tax, total, tax_included,
                                 rules_snapshot_id, customer_id, lines, payments, server_snapshot_id, server_total,
                                 price_difference)
          VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    values: [
      item.id,
      ctx.storeId,
      ctx.terminalId,
      sale.soldAt,
      sale.currency,
      sale.subtotal,
      sale.tax,
      sale.total,
      sale.taxIncluded,
      sale.rulesSnapshotId,
      sale.customerId ?? null,
      JSON.stringify(sale.lines),
      JSON.stringify(sale.payments),
      price?.serverSnapshotId ?? null,
      price?.serverTotal ?? null,
      price?.difference ?? null,
    ],
  };

  const status: Outcome['status'] =
    shortfalls.length > 0 ? 'stock_discrepancy' : price ? 'price_discrepancy' : 'accepted';
  const details = { ...(shortfalls.length > 0 ? { stock: shortfalls } : {}), ...(price ? { price } : {}) };
  const events: Outcome['events'] = [
    {
      storeId: ctx.storeId,
      type: 'sale.recorded',
      payload: {
        saleId: item.id,
        storeId: ctx.storeId,
        terminalId: ctx.terminalId,
        soldAt: new Date(sale.soldAt).toISOString(),
        currency: sale.currency,
        subtotal: sale.subtotal,
        tax: sale.tax,
        total: sale.total,
        lines: sale.lines,
        status,
        ...details,
      },
    },
  ];
  if (shortfalls.length > 0) {
    events.push({
      storeId: ctx.storeId,
      type: 'alert.stock_discrepancy',
      payload: {
        storeId: ctx.storeId,
        terminalId: ctx.terminalId,
        saleId: item.id,
        lines: shortfalls,
        message: `Terminal ${ctx.terminalId} sold ${shortfalls
          .map((s) => `${s.qty} × ${s.sku} (${Math.max(s.available, 0)} available)`)
          .join(', ')} while offline: count the shelf.`,
      },
    });
  }
  return { status, details, row, events };
};

/**
 * Prices a sale again when the terminal used another rules snapshot than the server's
 * current one (`currentSnapshotId`, when the caller already asked): the difference, or
 * undefined when there is none or nothing to compare.
 */
export async function comparePrice(
  pricer: SalePricer,
  storeId: string,
  sale: Sale,
  currentSnapshotId?: string,
): Promise<UploadResult['price']> {
  // A terminal that does not say what it priced with gives nothing to compare.
  if (sale.rulesSnapshotId === null) return undefined;
  const current = currentSnapshotId ?? (await pricer.currentSnapshotId(storeId));
  // The same rules and the same engine give the same price: only an older snapshot can differ.
  if (sale.rulesSnapshotId === current) return undefined;
  let server: Awaited<ReturnType<typeof pricer.priceSale>>;
  try {
    server = await pricer.priceSale(storeId, sale);
  } catch {
    // The server cannot price it now (a product since withdrawn): the terminal's price stands unchecked.
    return undefined;
  }
  const difference = new Decimal(server.total).minus(sale.total);
  if (difference.isZero()) return undefined;
  return {
    terminalSnapshotId: sale.rulesSnapshotId,
    serverSnapshotId: server.snapshotId,
    terminalTotal: sale.total,
    serverTotal: server.total,
    difference: difference.toFixed(),
    currency: sale.currency,
  };
}
