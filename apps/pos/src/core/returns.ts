import Decimal from 'decimal.js';
import { returnItem } from './commands';
import { TerminalError } from './errors';
import { minorUnits } from './format';
import { sum, toFixed } from './money';
import type { OutboxStore } from './outbox';
import type { Clock } from './platform/clock';
import type { Db } from './platform/db';
import { receiptView } from './receipt';
import type { SalesStore } from './sales';
import type { SettingsStore } from './settings';
import type { ReceiptData, ReceiptLine, ReceiptView, ReturnableSaleView } from './views';

export interface ReturnsDeps {
  db: Db;
  clock: Clock;
  sales: SalesStore;
  outbox: OutboxStore;
  settings: SettingsStore;
  newId(): string;
  recorded(): void;
}

/**
 * The share of a sold line that `qty` more units take back, so that returning every unit,
 * in any number of returns, refunds exactly what was paid for the line (the last return
 * takes what is left instead of a rounded share).
 */
export function refundShare(
  paid: string,
  sold: number,
  alreadyReturned: number,
  alreadyRefunded: string,
  qty: number,
  currency: string,
): string {
  if (alreadyReturned + qty >= sold) return toFixed(new Decimal(paid).minus(alreadyRefunded), currency);
  return new Decimal(paid)
    .times(qty)
    .dividedBy(sold)
    .toDecimalPlaces(minorUnits(currency), Decimal.ROUND_HALF_UP)
    .toFixed(minorUnits(currency));
}

/** Returns against a receipt of this terminal: refunds what the customer paid for the units brought back. */
export class Returns {
  constructor(private readonly deps: ReturnsDeps) {}

  find(receiptNumber: string): ReturnableSaleView {
    const sale = this.requireSale(receiptNumber);
    const returned = this.deps.sales.returnedUnits(sale.saleId);
    return {
      saleId: sale.saleId,
      receiptNumber: sale.receiptNumber,
      at: sale.at,
      currency: sale.currency,
      total: sale.total,
      customer: sale.customer?.name ?? null,
      lines: sale.lines.map((line, index) => ({
        index,
        sku: line.sku,
        name: line.name,
        sold: line.qty,
        returnable: line.qty - (returned.get(index) ?? 0),
        unitRefund: toFixed(
          new Decimal(line.total).plus(sale.taxIncluded ? 0 : line.tax).dividedBy(line.qty),
          sale.currency,
        ),
      })),
    };
  }

  complete(request: {
    receiptNumber: string;
    lines: { index: number; qty: number }[];
    method: 'cash' | 'card';
    reason: string;
    restock: boolean;
  }): ReceiptView {
    const sale = this.requireSale(request.receiptNumber);
    const cashier = this.deps.settings.get('cashier');
    if (!cashier) throw new TerminalError('NOT_SIGNED_IN', 'Sign in as a cashier first.');
    const byIndex = new Map<number, number>();
    for (const l of request.lines) if (l.qty > 0) byIndex.set(l.index, (byIndex.get(l.index) ?? 0) + l.qty);
    const wanted = [...byIndex].map(([index, qty]) => ({ index, qty }));
    if (wanted.length === 0) throw new TerminalError('RETURN_INVALID', 'Choose at least one item to return.');
    const terminal = this.deps.settings.get('terminal');
    if (!terminal) throw new TerminalError('NOT_READY', 'This terminal is not enrolled with a store server yet.');
    const now = this.deps.clock.now();
    const receipt = this.deps.db.transaction(
      () => {
        // Read what was already returned inside the transaction, so two returns cannot both take the last unit.
        const returnedUnits = this.deps.sales.returnedUnits(sale.saleId);
        const refunded = this.refundedSoFar(sale.saleId);
        const lines: ReceiptLine[] = [];
        for (const { index, qty } of wanted) {
          const line = sale.lines[index];
          if (!line)
            throw new TerminalError('RETURN_INVALID', `Receipt ${sale.receiptNumber} has no line ${index + 1}.`);
          const already = returnedUnits.get(index) ?? 0;
          if (qty > line.qty - already) {
            throw new TerminalError(
              'RETURN_INVALID',
              `Only ${line.qty - already} of ${line.name} can still be returned on receipt ${sale.receiptNumber}.`,
              { index, returnable: line.qty - already },
            );
          }
          const before = refunded.get(index) ?? { total: '0', tax: '0' };
          lines.push({
            sku: line.sku,
            name: line.name,
            qty,
            basePrice: line.basePrice,
            unitPrice: line.unitPrice,
            total: refundShare(line.total, line.qty, already, before.total, qty, sale.currency),
            tax: refundShare(line.tax, line.qty, already, before.tax, qty, sale.currency),
            discounts: [],
          });
        }
        const goods = sum(lines.map((l) => l.total));
        const tax = sum(lines.map((l) => l.tax));
        const total = sale.taxIncluded ? goods : goods.plus(tax);
        const saleId = this.deps.newId();
        const data: ReceiptData = {
          saleId,
          kind: 'return',
          receiptNumber: this.deps.settings.nextReceiptNumber(terminal.name),
          returnOf: { saleId: sale.saleId, receiptNumber: sale.receiptNumber, lines: wanted },
          store: sale.store,
          terminal: terminal.name,
          cashier,
          at: now,
          currency: sale.currency,
          customer: sale.customer,
          coupons: [],
          lines,
          subtotal: toFixed(goods, sale.currency),
          discount: toFixed(0, sale.currency),
          tax: toFixed(tax, sale.currency),
          taxIncluded: sale.taxIncluded,
          total: toFixed(total, sale.currency),
          tenders: [{ method: request.method, amount: toFixed(total, sale.currency), reference: null }],
          change: toFixed(0, sale.currency),
          reason: request.reason,
        };
        this.deps.sales.record(data, null, sale.saleId);
        this.deps.outbox.append(
          returnItem({
            id: saleId,
            terminalId: terminal.id,
            at: now,
            receipt: data,
            originalSaleId: sale.saleId,
            restock: request.restock,
            reason: request.reason,
          }),
        );
        return data;
      },
      { durable: true },
    );
    this.deps.recorded();
    return receiptView(receipt);
  }

  private refundedSoFar(saleId: string): Map<number, { total: string; tax: string }> {
    const out = new Map<number, { total: string; tax: string }>();
    for (const r of this.deps.sales.returnsOf(saleId)) {
      r.returnOf?.lines.forEach((l, i) => {
        const line = r.lines[i];
        if (!line) return;
        const prev = out.get(l.index) ?? { total: '0', tax: '0' };
        out.set(l.index, {
          total: new Decimal(prev.total).plus(line.total).toString(),
          tax: new Decimal(prev.tax).plus(line.tax).toString(),
        });
      });
    }
    return out;
  }

  private requireSale(receiptNumber: string): ReceiptData {
    const sale = this.deps.sales.byReceiptNumber(receiptNumber);
    if (sale?.kind !== 'sale') {
      throw new TerminalError(
        'SALE_NOT_FOUND',
        `No sale with receipt number "${receiptNumber.trim()}" was made on this terminal.`,
        { receiptNumber },
      );
    }
    return sale;
  }
}
