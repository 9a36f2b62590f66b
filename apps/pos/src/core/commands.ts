import { outboxItemSchema } from '@till/sync';
import Decimal from 'decimal.js';
import { TerminalError } from './errors';
import { sum, toFixed } from './money';
import type { OutboxEnvelope } from './outbox';
import type { CheckoutView, ReceiptData } from './views';

/**
 * The outbox items this terminal makes, in the sync contract's shape (@till/sync
 * `outboxItemSchema`: sale, return, drawer_open — the last since sync protocol 2).
 */

/** Checks an item against the sync contract before it is stored: the server would refuse a bad one. */
function checked(item: OutboxEnvelope): OutboxEnvelope {
  const parsed = outboxItemSchema.safeParse(item);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TerminalError(
      'INTERNAL',
      `This ${item.kind} cannot be recorded: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is not valid'}.`,
    );
  }
  return item;
}

export function saleItem(options: {
  id: string;
  terminalId: string;
  at: number;
  view: CheckoutView;
  customerId: string | null;
  coupons: readonly string[];
  tenders: readonly { method: 'cash' | 'card'; amount: string }[];
  change: string;
  rulesSnapshotId: string | null;
  ratesSnapshotId: string | null;
}): OutboxEnvelope {
  const { view } = options;
  // What the store kept: the change handed back comes out of the cash tendered last.
  const payments = options.tenders.map((t) => ({ method: t.method, amount: new Decimal(t.amount) }));
  let change = new Decimal(options.change);
  for (let i = payments.length - 1; i >= 0 && change.gt(0); i--) {
    const payment = payments[i];
    if (payment?.method !== 'cash') continue;
    const taken = Decimal.min(change, payment.amount);
    payment.amount = payment.amount.minus(taken);
    change = change.minus(taken);
  }
  const goods = sum(view.lines.map((l) => l.total));
  return checked({
    id: options.id,
    kind: 'sale',
    terminalId: options.terminalId,
    createdAt: options.at,
    payload: {
      soldAt: options.at,
      currency: view.currency,
      lines: view.lines.map((l) => ({
        sku: l.sku,
        qty: l.qty,
        unitPrice: l.unitPrice,
        total: l.total,
        ruleIds: [...new Set(l.discounts.map((d) => d.ruleId))].slice(0, 50),
      })),
      subtotal: toFixed(goods, view.currency),
      tax: view.tax,
      total: view.total,
      taxIncluded: view.taxIncluded,
      rulesSnapshotId: options.rulesSnapshotId,
      ...(options.ratesSnapshotId === null ? {} : { ratesSnapshotId: options.ratesSnapshotId }),
      customerId: options.customerId,
      ...(options.coupons.length > 0 ? { coupons: [...options.coupons] } : {}),
      payments: payments.map((p) => ({ method: p.method, amount: toFixed(p.amount, view.currency) })),
    },
  });
}

export function returnItem(options: {
  id: string;
  terminalId: string;
  at: number;
  receipt: ReceiptData;
  originalSaleId: string;
  restock: boolean;
  reason: string;
}): OutboxEnvelope {
  const { receipt } = options;
  const lines = receipt.lines.map((l) => ({
    sku: l.sku,
    qty: l.qty,
    refund: toFixed(receipt.taxIncluded ? l.total : new Decimal(l.total).plus(l.tax), receipt.currency),
  }));
  return checked({
    id: options.id,
    kind: 'return',
    terminalId: options.terminalId,
    createdAt: options.at,
    payload: {
      returnedAt: options.at,
      currency: receipt.currency,
      saleId: options.originalSaleId,
      lines,
      refundTotal: toFixed(sum(lines.map((l) => l.refund)), receipt.currency),
      restock: options.restock,
      reason: options.reason,
    },
  });
}

export function drawerOpenItem(options: {
  id: string;
  terminalId: string;
  at: number;
  cashier: string;
  reason: string;
}): OutboxEnvelope {
  return checked({
    id: options.id,
    kind: 'drawer_open',
    terminalId: options.terminalId,
    createdAt: options.at,
    payload: { openedAt: options.at, cashier: options.cashier, reason: options.reason },
  });
}
