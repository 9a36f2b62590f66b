import type pg from 'pg';

/** An order as the API shows it: money as decimal strings with the currency. */
export interface Money {
  amount: string;
  currency: string;
}

export interface Payment {
  method: 'card' | 'cash' | 'gift_card' | 'voucher' | 'other';
  /** The payment provider's reference (authorization or capture id). */
  reference: string;
  /** When given, must equal the order's total. */
  amount?: Money | undefined;
}

export interface OrderLine {
  lineNo: number;
  sku: string;
  name: string;
  qty: number;
  unitPrice: Money;
  discount: Money;
  lineTotal: Money;
  tax: Money;
  holdId: string;
}

export interface Order {
  orderId: string;
  storeId: string;
  holderId: string;
  status: 'placed';
  currency: string;
  lines: OrderLine[];
  subtotal: Money;
  discount: Money;
  tax: Money;
  total: Money;
  payment: Payment;
  pricing: Record<string, unknown>;
  createdAt: string;
}

/** "19.9900" → "19.99" in a currency with 2 digits: the stored scale trimmed to the minor unit. */
export function moneyOf(value: string, currency: string, digits: number): Money {
  const [whole = '0', fraction = ''] = value.split('.');
  return { amount: digits === 0 ? whole : `${whole}.${fraction.padEnd(digits, '0').slice(0, digits)}`, currency };
}

interface OrderRow {
  id: string;
  store_id: string;
  holder_id: string;
  status: 'placed';
  currency: string;
  subtotal: string;
  discount: string;
  tax: string;
  total: string;
  payment: Payment;
  pricing: Record<string, unknown>;
  created_at: Date;
  request_hash: string;
}

interface LineRow {
  line_no: number;
  sku: string;
  name: string;
  qty: number;
  unit_price: string;
  discount: string;
  line_total: string;
  tax: string;
  hold_id: string;
}

export async function loadOrder(
  db: pg.Pool | pg.PoolClient,
  storeId: string,
  where: { orderId: string } | { idempotencyKey: string },
  digitsOf: (currency: string) => number,
): Promise<{ order: Order; requestHash: string } | undefined> {
  const byId = 'orderId' in where;
  const { rows } = await db.query<OrderRow>(
    `SELECT id, store_id, holder_id, status, currency, subtotal::text, discount::text, tax::text, total::text,
            payment, pricing, created_at, request_hash
     FROM orders WHERE store_id = $1 AND ${byId ? 'id = $2' : 'idempotency_key = $2'}`,
    [storeId, byId ? where.orderId : where.idempotencyKey],
  );
  const row = rows[0];
  if (!row) return undefined;
  const lines = await db.query<LineRow>(
    `SELECT line_no, sku, name, qty, unit_price::text, discount::text, line_total::text, tax::text, hold_id
     FROM order_lines WHERE order_id = $1 ORDER BY line_no`,
    [row.id],
  );
  const digits = digitsOf(row.currency);
  const money = (v: string) => moneyOf(v, row.currency, digits);
  return {
    requestHash: row.request_hash,
    order: {
      orderId: row.id,
      storeId: row.store_id,
      holderId: row.holder_id,
      status: row.status,
      currency: row.currency,
      lines: lines.rows.map((l) => ({
        lineNo: l.line_no,
        sku: l.sku,
        name: l.name,
        qty: l.qty,
        unitPrice: money(l.unit_price),
        discount: money(l.discount),
        lineTotal: money(l.line_total),
        tax: money(l.tax),
        holdId: l.hold_id,
      })),
      subtotal: money(row.subtotal),
      discount: money(row.discount),
      tax: money(row.tax),
      total: money(row.total),
      payment: row.payment,
      pricing: row.pricing,
      createdAt: row.created_at.toISOString(),
    },
  };
}
