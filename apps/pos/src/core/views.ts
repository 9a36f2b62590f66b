/**
 * What operations answer and events carry: plain JSON the renderer shows. Amounts are
 * decimal strings in `currency` (invariant 1); times are epoch milliseconds.
 */

export interface DiscountView {
  ruleId: string;
  /** The rule's name, or what it did in words. */
  label: string;
  /** What it did, in words fit for a receipt ("20% off Toys"). */
  detail: string;
  /** Amount taken off this line (all units), positive. */
  amount: string;
  /** A price adjustment (flash price, price list) or a discount. */
  kind: 'price' | 'discount';
}

export interface LineChange {
  lineId: string;
  name: string;
  from: string;
  to: string;
  /** In words: which rule started, ended or changed, or that the shelf price changed. */
  reasons: string[];
}

export interface LineView {
  id: string;
  sku: string;
  name: string;
  barcode: string | null;
  qty: number;
  /** Shelf price, in the cart currency. */
  basePrice: string;
  /** Unit price after price adjustments (before discounts). */
  unitPrice: string;
  total: string;
  tax: string;
  discounts: DiscountView[];
  /** Why discounts did or nearly did apply, fit for the cashier and the customer. */
  notes: string[];
  /** Set when the server said this item is sold out (shown while online). */
  stockWarning: string | null;
}

export interface CustomerView {
  id: string;
  name: string;
  loyaltyCard: string | null;
  phone: string | null;
  email: string | null;
  segments: string[];
}

export interface CouponView {
  code: string;
  /** True when a rule of this coupon took something off the cart. */
  applied: boolean;
  note: string;
}

export interface TenderView {
  id: string;
  method: 'cash' | 'card';
  amount: string;
  reference: string | null;
}

export interface CountdownView {
  /** When the price switches (epoch ms, server time). */
  at: number;
  label: string;
  lineIds: string[];
  /** The rules whose price ends then. */
  ruleIds: string[];
}

export interface NoticeView {
  kind: 'prices-changed' | 'info' | 'warning';
  message: string;
  changes: LineChange[];
}

/** The rate a sale in another currency is priced with: 1 `base` = `rate` `currency`. */
export interface ExchangeView {
  base: string;
  currency: string;
  rate: string;
  /** The server's rates snapshot the rate comes from. */
  snapshotId: string | null;
}

/** What the currency dialog offers: the store's currency first, then each one with a rate. */
export interface CurrencyOptionsView {
  storeCurrency: string;
  /** The currency of the sale on screen (the store's when there is none). */
  current: string;
  options: { currency: string; rate: string | null; snapshotId: string | null; asOf: number | null }[];
}

export interface PricingSnapshotView {
  snapshotSeq: number;
  windowStart: number;
  windowEnd: number;
  rules: number;
}

export interface CheckoutView {
  cartId: string | null;
  status: 'open' | 'parked' | 'empty';
  label: string | null;
  currency: string;
  lines: LineView[];
  itemCount: number;
  /** Σ quantity × shelf price. */
  subtotal: string;
  /** What the customer saves on the shelf prices: subtotal − Σ line totals. */
  discount: string;
  tax: string;
  total: string;
  taxIncluded: boolean;
  customer: CustomerView | null;
  coupons: CouponView[];
  tenders: TenderView[];
  paid: string;
  due: string;
  countdown: CountdownView | null;
  notice: NoticeView | null;
  /** Offers the sale nearly qualifies for as a whole, in words. */
  notes: string[];
  pricing: PricingSnapshotView | null;
  /** Set when the sale is in another currency than the store's. */
  exchange: ExchangeView | null;
  /** The line the last scan touched, for the UI to highlight. */
  lastLineId: string | null;
}

export interface ProductView {
  sku: string;
  barcode: string | null;
  name: string;
  category: string;
  price: string;
  currency: string;
  available: number | null;
}

export interface PriceCheckView {
  product: ProductView;
  /** Price of one unit now, for the attached customer, with the rules that apply. */
  unitPrice: string;
  discounts: DiscountView[];
  notes: string[];
  nextChange: { at: number; label: string } | null;
}

export interface ParkedCartView {
  cartId: string;
  label: string | null;
  parkedAt: number;
  cashier: string;
  itemCount: number;
  total: string;
  currency: string;
  customer: string | null;
}

export interface ReceiptLine {
  sku: string;
  name: string;
  qty: number;
  /** Shelf price of one unit. */
  basePrice: string;
  /** Price of one unit after price adjustments. */
  unitPrice: string;
  total: string;
  tax: string;
  discounts: { label: string; amount: string }[];
}

export interface ReceiptData {
  saleId: string;
  kind: 'sale' | 'return';
  receiptNumber: string;
  /** For a return: the sale it returns goods of, and which of its lines (by index) and how many. */
  returnOf: { saleId: string; receiptNumber: string; lines: { index: number; qty: number }[] } | null;
  store: { id: string; name: string; timeZone: string };
  terminal: string;
  cashier: string;
  at: number;
  currency: string;
  customer: { id: string; name: string; email: string | null } | null;
  coupons: string[];
  lines: ReceiptLine[];
  subtotal: string;
  discount: string;
  tax: string;
  taxIncluded: boolean;
  total: string;
  tenders: { method: 'cash' | 'card'; amount: string; reference: string | null }[];
  change: string;
  reason: string | null;
  /** The rate a sale in another currency was priced with (absent on older receipts). */
  exchange?: ExchangeView | null;
}

export interface EmailReceipt {
  to: string | null;
  subject: string;
  text: string;
  html: string;
}

export interface ReceiptView {
  data: ReceiptData;
  html: string;
  email: EmailReceipt;
}

export interface SaleDoneView {
  receipt: ReceiptView;
  change: string;
  /** The next (empty) checkout. */
  checkout: CheckoutView;
}

export interface TenderResultView {
  /** Set when the tenders cover the total: the sale is stored and done. */
  done: SaleDoneView | null;
  checkout: CheckoutView;
}

export interface ReturnableLine {
  index: number;
  sku: string;
  name: string;
  sold: number;
  returnable: number;
  unitRefund: string;
}

export interface ReturnableSaleView {
  saleId: string;
  receiptNumber: string;
  at: number;
  currency: string;
  total: string;
  lines: ReturnableLine[];
  customer: string | null;
}

export type ConnectionState = 'online' | 'offline' | 'connecting' | 'not-enrolled';

export interface TerminalStatusView {
  terminal: { id: string; name: string } | null;
  store: { id: string; name: string; currency: string; timeZone: string } | null;
  cashier: string | null;
  connection: ConnectionState;
  /** Words for the badge's tooltip: last error, version mismatch, ... */
  connectionDetail: string | null;
  pendingSales: number;
  lastSyncAt: number | null;
  /** Server time − local time, so the UI's countdowns agree with the core. */
  clockOffsetMs: number;
  catalog: { products: number; rules: number; appliedSeq: number };
}

export interface SessionView {
  status: TerminalStatusView;
  checkout: CheckoutView;
}

export type TerminalEvent =
  | { type: 'status'; status: TerminalStatusView }
  /** The checkout changed by itself: a price switched on time, the window moved, data arrived. */
  | { type: 'checkout'; checkout: CheckoutView }
  | { type: 'outOfSync'; message: string };
