import { v7 as uuidv7 } from 'uuid';
import { expect } from 'vitest';
import { inTransaction } from '../../src/db/pool';
import { placeOrder } from '../../src/orders/checkout';
import { orderPricer, type PriceOrder } from '../../src/orders/pricing';
import { PricingService } from '../../src/pricing/service';
import { applyAdjustment } from '../../src/stock/adjustments';
import type { Availability, Hold, StockAuthority } from '../../src/stock/authority';
import { updateSkuSettings } from '../../src/stock/levels';
import { recordSale } from '../../src/stock/sales';
import type { TestDatabase } from '../support';

export const STORE = 'demo';

/** A clock the test moves. */
export class TestClock {
  constructor(public now = Date.now()) {}
  read = () => this.now;
  advance(ms: number) {
    this.now += ms;
  }
}

/** One authority under test, on its own database (and Redis keys), with a clock the test controls. */
export interface StockHarness {
  db: TestDatabase;
  authority: StockAuthority;
  clock: TestClock;
  close(): Promise<void>;
}

/** Operations the tests drive, the same way in both modes: through the authority and PostgreSQL. */
export class StockDriver {
  private nextSku = 0;
  private skus: string[] = [];
  /** Orders are priced by the real pricing service. */
  private readonly price: PriceOrder;

  constructor(readonly h: StockHarness) {
    this.price = orderPricer(new PricingService(h.db.pool, undefined));
  }

  async init() {
    const { rows } = await this.h.db.pool.query<{ sku: string }>(`SELECT sku FROM products ORDER BY sku`);
    this.skus = rows.map((r) => r.sku);
    return this;
  }

  /** A SKU no other test touched, with `onHand` units on hand. */
  async freshSku(onHand: number, settings: { maxPerHolder?: number; threshold?: number } = {}): Promise<string> {
    const sku = this.skus[this.nextSku++];
    if (!sku) throw new Error('out of demo SKUs');
    await updateSkuSettings(this.h.db.pool, STORE, sku, {
      maxPerHolder: settings.maxPerHolder ?? null,
      lowStockThreshold: settings.threshold ?? 0,
    });
    await this.adjust('count', [{ sku, onHand }]);
    return sku;
  }

  /** A hold the test needs granted (a refusal fails the test with its message). */
  async grant(sku: string, holderId: string, qty: number): Promise<Hold> {
    const r = await this.h.authority.setHold({ storeId: STORE, sku, holderId, qty });
    if (!r.ok) throw new Error(r.refusal.message);
    return r.hold;
  }

  async adjust(
    kind: 'receipt' | 'shrinkage' | 'count' | 'correction',
    lines: Array<{ sku: string; delta?: number; onHand?: number }>,
  ) {
    await this.h.authority.flush();
    const { result } = await applyAdjustment(this.h.db.pool, { storeId: STORE, adjustmentId: uuidv7(), kind, lines });
    await this.h.authority.applyFeed();
    return result;
  }

  async sellOffline(sku: string, qty: number) {
    await this.h.authority.flush();
    const result = await inTransaction(this.h.db.pool, (client) =>
      recordSale(client, { storeId: STORE, saleId: uuidv7(), lines: [{ sku, qty }] }),
    );
    await this.h.authority.applyFeed();
    return result;
  }

  checkout(holderId: string, holdIds: string[], idempotencyKey = uuidv7()) {
    return placeOrder(
      { db: this.h.db.pool, authority: this.h.authority, clock: this.h.clock.read, price: this.price },
      {
        storeId: STORE,
        holderId,
        holdIds,
        payment: { method: 'card', reference: `pay-${idempotencyKey}` },
        idempotencyKey,
      },
    );
  }

  async availability(sku: string): Promise<Availability> {
    const a = (await this.h.authority.availability(STORE, [sku])).get(sku);
    if (!a) throw new Error(`no availability for ${sku}`);
    return a;
  }

  /**
   * The stock invariant, checked against PostgreSQL (after the authority persisted everything)
   * and the authority's own view: received = available + held + sold; held is the sum of the
   * active holds and never more than on hand; nothing negative (unless `offline` sales went
   * beyond on hand, which only makes on hand and available negative, with nothing held).
   */
  async checkInvariant(sku: string, options: { offline?: boolean } = {}) {
    await this.h.authority.flush();
    const { rows } = await this.h.db.pool.query<{ received: string; sold: string; held: string; holds: string }>(
      `SELECT s.received, s.sold, s.held,
              (SELECT coalesce(sum(qty), 0) FROM holds h WHERE h.store_id = s.store_id AND h.sku = s.sku AND h.state = 'active') AS holds
       FROM stock_levels s WHERE s.store_id = $1 AND s.sku = $2`,
      [STORE, sku],
    );
    const row = rows[0];
    if (!row) throw new Error(`no stock row for ${sku}`);
    const [received, sold, held, holds] = [Number(row.received), Number(row.sold), Number(row.held), Number(row.holds)];
    const a = await this.availability(sku);
    expect({ sku, heldRows: holds, authority: a }).toEqual({
      sku,
      heldRows: held,
      authority: { sku, onHand: received - sold, held, available: received - sold - held },
    });
    expect(received).toBe(a.available + a.held + sold);
    expect(held).toBeGreaterThanOrEqual(0);
    expect(sold).toBeGreaterThanOrEqual(0);
    expect(held).toBeLessThanOrEqual(Math.max(0, received - sold));
    if (!options.offline) {
      expect(a.available).toBeGreaterThanOrEqual(0);
      expect(sold).toBeLessThanOrEqual(received);
    }
    return { received, sold, held, available: a.available, onHand: a.onHand };
  }
}
