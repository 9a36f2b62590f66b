import { Decimal } from 'decimal.js';
import { z } from 'zod';
import {
  amountSchema,
  commandIdSchema,
  currencySchema,
  epochMsSchema,
  nonNegativeAmountSchema,
  skuSchema,
  terminalIdSchema,
} from './schemas';

/**
 * The commands a terminal records offline and uploads through its outbox. Each carries an
 * id the terminal made (UUIDv7) and takes effect on the server at most once.
 */

const sum = (amounts: string[]) => amounts.reduce((total, a) => total.plus(a), new Decimal(0));

/** Adds an issue at `field` unless `actual` equals `expected` (described as `what`). */
function mustEqual(ctx: z.RefinementCtx, field: string, actual: string, expected: Decimal, what: string): void {
  if (expected.equals(actual)) return;
  ctx.addIssue({ code: 'custom', path: [field], message: `must equal ${what} (${expected.toFixed()}), got ${actual}` });
}

export const saleLineSchema = z.object({
  sku: skuSchema,
  qty: z.int().min(1).max(100_000),
  /** Price of one unit before line discounts. */
  unitPrice: nonNegativeAmountSchema,
  /** What the customer pays for the line, after discounts (before tax when tax is excluded). */
  total: nonNegativeAmountSchema,
  /** Rules that changed the line's price, for the audit trail. */
  ruleIds: z.array(z.string().min(1).max(200)).max(50).optional(),
});

export const paymentSchema = z.object({
  method: z.enum(['cash', 'card', 'voucher', 'other']),
  amount: nonNegativeAmountSchema,
});

export const salePayloadSchema = z
  .object({
    /** When the sale was made, by the terminal's server-corrected clock (epoch ms). */
    soldAt: epochMsSchema,
    currency: currencySchema,
    lines: z.array(saleLineSchema).min(1, 'a sale has at least one line').max(500),
    subtotal: nonNegativeAmountSchema,
    tax: nonNegativeAmountSchema,
    total: nonNegativeAmountSchema,
    taxIncluded: z.boolean(),
    /** The rules snapshot the terminal priced with; the server compares it with its own. */
    rulesSnapshotId: z.string().min(1).max(200).nullable(),
    /** A sale in another currency than the store's: the exchange-rates snapshot it was priced with. */
    ratesSnapshotId: z.string().min(1).max(200).nullable().optional(),
    customerId: z.string().min(1).max(100).nullable().optional(),
    /** Coupon codes the cashier entered, so the server prices the sale as the till did. */
    coupons: z.array(z.string().min(1).max(100)).max(20).optional(),
    payments: z.array(paymentSchema).max(20).default([]),
  })
  .superRefine((sale, ctx) => {
    mustEqual(ctx, 'subtotal', sale.subtotal, sum(sale.lines.map((l) => l.total)), 'the sum of the line totals');
    const total = sale.taxIncluded ? new Decimal(sale.subtotal) : new Decimal(sale.subtotal).plus(sale.tax);
    mustEqual(ctx, 'total', sale.total, total, sale.taxIncluded ? 'subtotal' : 'subtotal + tax');
  });

export const returnPayloadSchema = z
  .object({
    returnedAt: epochMsSchema,
    currency: currencySchema,
    /** The sale the goods came from, when the receipt is known (it may be on another terminal, or older than Till). */
    saleId: commandIdSchema.nullable(),
    lines: z
      .array(z.object({ sku: skuSchema, qty: z.int().min(1).max(100_000), refund: nonNegativeAmountSchema }))
      .min(1, 'a return has at least one line')
      .max(500),
    refundTotal: nonNegativeAmountSchema,
    /** Whether the goods go back on the shelf (false: damaged, written off). */
    restock: z.boolean(),
    reason: z.string().max(500).optional(),
  })
  .superRefine((ret, ctx) => {
    mustEqual(ctx, 'refundTotal', ret.refundTotal, sum(ret.lines.map((l) => l.refund)), 'the sum of the line refunds');
  });

export const cashCountPayloadSchema = z.object({
  countedAt: epochMsSchema,
  currency: currencySchema,
  drawerId: z.string().min(1).max(100),
  kind: z.enum(['open', 'close', 'interim']),
  /** What was in the drawer. */
  counted: nonNegativeAmountSchema,
  /** What the terminal expected to be there; the server records the difference. */
  expected: amountSchema.nullable(),
  /** Count per denomination, e.g. { "20.00": 3, "0.25": 8 }. */
  denominations: z.record(nonNegativeAmountSchema, z.int().min(0).max(1_000_000)).optional(),
  note: z.string().max(500).optional(),
});

/** The cash drawer opened without a sale (to give change, check the float): always with a reason. */
export const drawerOpenPayloadSchema = z.object({
  openedAt: epochMsSchema,
  /** Who opened it: the cashier signed in at the terminal. */
  cashier: z.string().trim().min(1).max(100),
  reason: z.string().trim().min(1, 'a drawer opened without a sale needs a reason').max(500),
});

const envelope = {
  id: commandIdSchema,
  terminalId: terminalIdSchema,
  /** When the terminal recorded the command (epoch ms, terminal clock corrected). */
  createdAt: epochMsSchema,
};

export const outboxItemSchema = z.discriminatedUnion('kind', [
  z.object({ ...envelope, kind: z.literal('sale'), payload: salePayloadSchema }),
  z.object({ ...envelope, kind: z.literal('return'), payload: returnPayloadSchema }),
  z.object({ ...envelope, kind: z.literal('cash_count'), payload: cashCountPayloadSchema }),
  /** Since protocol 2. */
  z.object({ ...envelope, kind: z.literal('drawer_open'), payload: drawerOpenPayloadSchema }),
]);

export type OutboxItem = z.output<typeof outboxItemSchema>;
export type OutboxKind = OutboxItem['kind'];
export type SalePayload = z.input<typeof salePayloadSchema>;
export type ReturnPayload = z.input<typeof returnPayloadSchema>;
export type CashCountPayload = z.input<typeof cashCountPayloadSchema>;
export type DrawerOpenPayload = z.input<typeof drawerOpenPayloadSchema>;
/** What a terminal fills in for each kind of command. */
export interface OutboxPayloads {
  sale: SalePayload;
  return: ReturnPayload;
  cash_count: CashCountPayload;
  drawer_open: DrawerOpenPayload;
}

/** What happened to an uploaded command. Everything but `retry` is final: the terminal drops the item. */
export const RECONCILIATION_STATUSES = [
  'accepted',
  'duplicate',
  'stock_discrepancy',
  'price_discrepancy',
  'rejected',
] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

export const stockDiscrepancySchema = z.object({
  sku: z.string(),
  /** How many the sale took. */
  qty: z.int(),
  /** How many the server thought were available just before. */
  available: z.int(),
});

export const priceDiscrepancySchema = z.object({
  /** The rules snapshot the terminal used, and the one the server priced with. */
  terminalSnapshotId: z.string().nullable(),
  serverSnapshotId: z.string().nullable(),
  terminalTotal: amountSchema,
  serverTotal: amountSchema,
  /** serverTotal − terminalTotal: what the store gained (negative) or gave away (positive) by the terminal's price. */
  difference: amountSchema,
  currency: currencySchema,
});

export const uploadResultSchema = z.object({
  /** Position of the item in the submitted batch. */
  index: z.int().min(0),
  /** The item's id, or null when it had none that could be read. */
  id: z.string().nullable(),
  status: z.enum([...RECONCILIATION_STATUSES, 'retry']),
  /** For `duplicate`: what the first application gave. */
  original: z.enum(RECONCILIATION_STATUSES).optional(),
  /** For `rejected` and `retry`: why, in words. */
  reason: z.string().optional(),
  stock: z.array(stockDiscrepancySchema).optional(),
  price: priceDiscrepancySchema.optional(),
});

export type UploadResult = z.output<typeof uploadResultSchema>;
/** A final result, as the terminal keeps it for the cashier and the manager. */
export type ReconciliationResult = UploadResult & { status: ReconciliationStatus };

export const isFinal = (result: UploadResult): result is ReconciliationResult => result.status !== 'retry';
