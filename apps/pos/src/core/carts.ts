import type { CustomerRecord } from './catalog';
import type { Db } from './platform/db';

export type CartStatus = 'open' | 'parked' | 'completed' | 'cancelled';

export interface CartLine {
  id: string;
  position: number;
  sku: string;
  qty: number;
  addedAt: number;
}

export interface Tender {
  id: string;
  position: number;
  method: 'cash' | 'card';
  amount: string;
  reference: string | null;
}

export interface Cart {
  id: string;
  status: CartStatus;
  cashier: string;
  label: string | null;
  customer: CustomerRecord | null;
  coupons: string[];
  currency: string;
  createdAt: number;
  updatedAt: number;
  parkedAt: number | null;
  lines: CartLine[];
  tenders: Tender[];
}

export interface ParkedCart {
  id: string;
  label: string | null;
  parkedAt: number;
  cashier: string;
  itemCount: number;
  total: string | null;
  currency: string;
  customer: string | null;
}

interface CartRow {
  id: string;
  status: CartStatus;
  cashier: string;
  label: string | null;
  customer: string | null;
  coupons: string;
  currency: string;
  created_at: number;
  updated_at: number;
  parked_at: number | null;
  parked_total: string | null;
}

/** Open and parked carts, their lines and tenders. Every change is its own small transaction. */
export class CartStore {
  constructor(private readonly db: Db) {}

  get(id: string): Cart | undefined {
    const row = this.db.get<CartRow>('SELECT * FROM carts WHERE id = ?', [id]);
    return row ? this.hydrate(row) : undefined;
  }

  /** The cart on screen, if any. */
  open(): Cart | undefined {
    const row = this.db.get<CartRow>(`SELECT * FROM carts WHERE status = 'open'`);
    return row ? this.hydrate(row) : undefined;
  }

  create(cart: { id: string; cashier: string; currency: string; now: number }): Cart {
    this.db.run(
      `INSERT INTO carts (id, status, cashier, currency, created_at, updated_at) VALUES (?, 'open', ?, ?, ?, ?)`,
      [cart.id, cart.cashier, cart.currency, cart.now, cart.now],
    );
    return this.require(cart.id);
  }

  addLine(cartId: string, line: { id: string; sku: string; qty: number; now: number }): void {
    const position =
      (this.db.get<{ p: number | null }>('SELECT max(position) AS p FROM cart_lines WHERE cart_id = ?', [cartId])?.p ??
        0) + 1;
    this.db.run('INSERT INTO cart_lines (cart_id, id, position, sku, qty, added_at) VALUES (?, ?, ?, ?, ?, ?)', [
      cartId,
      line.id,
      position,
      line.sku,
      line.qty,
      line.now,
    ]);
    this.touch(cartId, line.now);
  }

  setQuantity(cartId: string, lineId: string, qty: number, now: number): boolean {
    const changed = this.db.run('UPDATE cart_lines SET qty = ? WHERE cart_id = ? AND id = ?', [
      qty,
      cartId,
      lineId,
    ]).changes;
    this.touch(cartId, now);
    return changed > 0;
  }

  removeLine(cartId: string, lineId: string, now: number): boolean {
    const changed = this.db.run('DELETE FROM cart_lines WHERE cart_id = ? AND id = ?', [cartId, lineId]).changes;
    this.touch(cartId, now);
    return changed > 0;
  }

  setCustomer(cartId: string, customer: CustomerRecord | null, now: number): void {
    this.db.run('UPDATE carts SET customer = ?, updated_at = ? WHERE id = ?', [
      customer ? JSON.stringify(customer) : null,
      now,
      cartId,
    ]);
  }

  setCoupons(cartId: string, coupons: string[], now: number): void {
    this.db.run('UPDATE carts SET coupons = ?, updated_at = ? WHERE id = ?', [JSON.stringify(coupons), now, cartId]);
  }

  setCurrency(cartId: string, currency: string, now: number): void {
    this.db.run('UPDATE carts SET currency = ?, updated_at = ? WHERE id = ?', [currency, now, cartId]);
  }

  addTender(cartId: string, tender: Omit<Tender, 'position'>, now: number): void {
    const position =
      (this.db.get<{ p: number | null }>('SELECT max(position) AS p FROM cart_tenders WHERE cart_id = ?', [cartId])
        ?.p ?? 0) + 1;
    this.db.run(
      'INSERT INTO cart_tenders (cart_id, id, position, method, amount, reference) VALUES (?, ?, ?, ?, ?, ?)',
      [cartId, tender.id, position, tender.method, tender.amount, tender.reference],
    );
    this.touch(cartId, now);
  }

  removeTender(cartId: string, tenderId: string, now: number): boolean {
    const changed = this.db.run('DELETE FROM cart_tenders WHERE cart_id = ? AND id = ?', [cartId, tenderId]).changes;
    this.touch(cartId, now);
    return changed > 0;
  }

  park(cartId: string, park: { label: string | null; total: string; now: number }): void {
    this.db.run(
      `UPDATE carts SET status = 'parked', label = ?, parked_at = ?, parked_total = ?, updated_at = ? WHERE id = ? AND status = 'open'`,
      [park.label, park.now, park.total, park.now, cartId],
    );
  }

  resume(cartId: string, now: number): boolean {
    return (
      this.db.run(`UPDATE carts SET status = 'open', updated_at = ? WHERE id = ? AND status = 'parked'`, [now, cartId])
        .changes > 0
    );
  }

  parked(): ParkedCart[] {
    const rows = this.db.all<CartRow & { items: number }>(
      `SELECT c.*, (SELECT coalesce(sum(qty), 0) FROM cart_lines l WHERE l.cart_id = c.id) AS items
         FROM carts c WHERE status = 'parked' ORDER BY parked_at`,
    );
    return rows.map((row) => ({
      id: row.id,
      label: row.label,
      parkedAt: row.parked_at ?? row.updated_at,
      cashier: row.cashier,
      itemCount: row.items,
      total: row.parked_total,
      currency: row.currency,
      customer: row.customer ? (JSON.parse(row.customer) as CustomerRecord).name : null,
    }));
  }

  /** Closes the cart as sold (inside the sale's durable transaction). */
  complete(cartId: string, saleId: string, now: number): void {
    const changed = this.db.run(
      `UPDATE carts SET status = 'completed', sale_id = ?, closed_at = ?, updated_at = ? WHERE id = ? AND status = 'open'`,
      [saleId, now, now, cartId],
    ).changes;
    if (changed !== 1) throw new Error(`cart ${cartId} is not open`);
  }

  cancel(cartId: string, now: number): void {
    this.db.run(
      `UPDATE carts SET status = 'cancelled', closed_at = ?, updated_at = ? WHERE id = ? AND status IN ('open', 'parked')`,
      [now, now, cartId],
    );
  }

  private touch(cartId: string, now: number): void {
    this.db.run('UPDATE carts SET updated_at = ? WHERE id = ?', [now, cartId]);
  }

  private require(id: string): Cart {
    const cart = this.get(id);
    if (!cart) throw new Error(`cart ${id} vanished`);
    return cart;
  }

  private hydrate(row: CartRow): Cart {
    const lines = this.db
      .all<{ id: string; position: number; sku: string; qty: number; added_at: number }>(
        'SELECT id, position, sku, qty, added_at FROM cart_lines WHERE cart_id = ? ORDER BY position',
        [row.id],
      )
      .map((l) => ({ id: l.id, position: l.position, sku: l.sku, qty: l.qty, addedAt: l.added_at }));
    const tenders = this.db.all<Tender>(
      'SELECT id, position, method, amount, reference FROM cart_tenders WHERE cart_id = ? ORDER BY position',
      [row.id],
    );
    return {
      id: row.id,
      status: row.status,
      cashier: row.cashier,
      label: row.label,
      customer: row.customer ? (JSON.parse(row.customer) as CustomerRecord) : null,
      coupons: JSON.parse(row.coupons) as string[],
      currency: row.currency,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      parkedAt: row.parked_at,
      lines,
      tenders,
    };
  }
}
