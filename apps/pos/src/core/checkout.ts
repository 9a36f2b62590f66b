import Decimal from 'decimal.js';
import type { Cart, CartStore } from './carts';
import type { CatalogStore, CustomerRecord, ProductRecord } from './catalog';
import type { CacheFacts, CheckoutCache, RebuildReason, ShownLine, WindowedCaches } from './checkout-cache';
import { saleItem } from './commands';
import { TerminalError } from './errors';
import { formatMoney, formatTime } from './format';
import { parseAmount, sum, toFixed } from './money';
import type { OutboxStore } from './outbox';
import type { Clock } from './platform/clock';
import type { Db } from './platform/db';
import type { CheckoutPricer, PricedCart, PricedLine, Pricing } from './pricing';
import { receiptView } from './receipt';
import { normalizeCoupon } from './rule-meta';
import type { SalesStore } from './sales';
import type { SettingsStore, StoreSettings, TerminalIdentity } from './settings';
import type {
  CheckoutView,
  ConnectionState,
  CountdownView,
  CouponView,
  CurrencyOptionsView,
  ExchangeView,
  LineChange,
  LineView,
  NoticeView,
  ParkedCartView,
  PriceCheckView,
  ProductView,
  ReceiptData,
  TenderResultView,
  TerminalEvent,
} from './views';

export interface CheckoutDeps {
  db: Db;
  clock: Clock;
  catalog: CatalogStore;
  carts: CartStore;
  caches: WindowedCaches;
  sales: SalesStore;
  outbox: OutboxStore;
  settings: SettingsStore;
  pricing: Pricing;
  newId(): string;
  connection(): ConnectionState;
  /**
   * Asks the store server for a customer the replica lacks and keeps them in the replica;
   * null when the server has none; throws (saying why) when it cannot be asked.
   */
  customerFromServer(query: string): Promise<CustomerRecord | null>;
  /** A record went into the outbox: upload it when online, update the waiting count. */
  recorded(): void;
  emit(event: TerminalEvent): void;
  /** How long before a flash price ends the cashier sees a countdown (default 10 min). */
  countdownMs?: number;
}

/** Why the prices of a checkout may have changed without the cashier changing its items. */
interface Cause {
  message: string;
  /** false: every line changed for a reason said in `message` (another currency); no line-by-line comparison. */
  compareLines?: false;
}

const MAX_QTY = 9999;

const REBUILD_MESSAGES: Record<Exclude<RebuildReason, 'opened' | 'customer'>, string> = {
  window: 'Prices were refreshed for the next minutes',
  snapshot: 'Prices were updated from the store server',
};

/**
 * The checkout at the till: scans, quantities, customer, coupons, park and resume,
 * tenders and the sale record. Prices come from the checkout's windowed cache through
 * the engine; a sale is stored durably before the answer says it is done.
 */
export class Checkout {
  private cancelTimer: (() => void) | null = null;
  private pricerMemo: { cache: CheckoutCache; version: number; pricer: CheckoutPricer } | null = null;
  private names: { cartId: string; bySku: Map<string, { name: string; barcode: string | null }> } = {
    cartId: '',
    bySku: new Map(),
  };

  constructor(private readonly deps: CheckoutDeps) {}

  // --- reading ---------------------------------------------------------------------------

  current(): CheckoutView {
    const cart = this.deps.carts.open();
    return cart ? this.evaluate(cart, null) : this.emptyView();
  }

  parked(): ParkedCartView[] {
    return this.deps.carts.parked().map((c) => ({
      cartId: c.id,
      label: c.label,
      parkedAt: c.parkedAt,
      cashier: c.cashier,
      itemCount: c.itemCount,
      total: c.total ?? '0',
      currency: c.currency,
      customer: c.customer,
    }));
  }

  search(query: string, limit: number): ProductView[] {
    return this.deps.catalog.search(query, limit).map((p) => this.productView(p));
  }

  /** One unit priced now, for the attached customer, without touching the cart. */
  priceCheck(code: string): PriceCheckView {
    const store = this.store();
    const product = this.findProduct(code);
    const now = this.deps.clock.now();
    const cart = this.deps.carts.open();
    const window = { start: now, end: now };
    const rules = this.deps.catalog
      .rulesForItem(product.sku, product.category, window)
      .filter((rule) => this.deps.pricing.activeDuring(rule, window, store.timeZone));
    const priced = this.deps.pricing
      .pricer({
        store,
        currency: cart?.currency ?? store.currency,
        rates: this.deps.catalog.rates(),
        customer: cart?.customer ? { id: cart.customer.id, segments: cart.customer.segments } : null,
        coupons: cart?.coupons ?? [],
        products: new Map([
          [
            product.sku,
            { sku: product.sku, price: product.price, category: product.category, taxRate: product.taxRate },
          ],
        ]),
        rules,
      })
      .price(now, [{ id: 'price-check', sku: product.sku, qty: 1 }]);
    const line = priced.lines[0];
    const next = this.deps.pricing.nextChange(rules, now, store.timeZone);
    return {
      product: this.productView(product),
      unitPrice: line?.total ?? product.price,
      discounts: line?.discounts ?? [],
      notes: line?.notes ?? [],
      nextChange: next === null ? null : { at: next, label: `Price may change at ${formatTime(next, store.timeZone)}` },
    };
  }

  // --- changing the cart ------------------------------------------------------------------

  scan(code: string, qty: number): CheckoutView {
    const product = this.findProduct(code);
    return this.addProduct(product, qty);
  }

  addSku(sku: string, qty: number): CheckoutView {
    const product = this.deps.catalog.product(sku);
    if (!product) throw new TerminalError('UNKNOWN_PRODUCT', `There is no product with SKU ${sku}.`, { sku });
    return this.addProduct(product, qty);
  }

  setQuantity(lineId: string, qty: number): CheckoutView {
    const cart = this.requireEditableCart();
    if (qty === 0) return this.voidLine(lineId);
    this.checkQty(qty);
    if (!this.deps.carts.setQuantity(cart.id, lineId, qty, this.deps.clock.now())) throw this.lineNotFound(lineId);
    return this.evaluateOpen({ lastLineId: lineId });
  }

  voidLine(lineId: string): CheckoutView {
    const cart = this.requireEditableCart();
    if (!this.deps.carts.removeLine(cart.id, lineId, this.deps.clock.now())) throw this.lineNotFound(lineId);
    return this.evaluateOpen({});
  }

  /** By loyalty card or phone: from the replica, else (online) from the store server. */
  async attachCustomer(query: string): Promise<CheckoutView> {
    const customer = this.deps.catalog.findCustomer(query) ?? (await this.customerFromServer(query.trim()));
    const cart = this.openOrCreateCart();
    this.deps.carts.setCustomer(cart.id, customer, this.deps.clock.now());
    return this.evaluateOpen({ cause: { message: `${customer.name} is attached` } });
  }

  private async customerFromServer(query: string): Promise<CustomerRecord> {
    const notFound = (why: string) =>
      new TerminalError('CUSTOMER_NOT_FOUND', `No customer has loyalty card or phone "${query}" ${why}`, { query });
    if (this.deps.connection() !== 'online') {
      throw notFound(
        'on this terminal, and it is offline, so the store server cannot be asked. A customer who signed up in the last minutes may be missing: try again when the terminal is back online, or go on without the card.',
      );
    }
    let customer: CustomerRecord | null;
    try {
      customer = await this.deps.customerFromServer(query);
    } catch (error) {
      throw notFound(
        `on this terminal, and the store server could not be asked (${(error as Error).message}). Try again, or go on without the card.`,
      );
    }
    if (!customer) throw notFound('at this store (the store server has none either).');
    return customer;
  }

  detachCustomer(): CheckoutView {
    const cart = this.requireOpenCart();
    if (!cart.customer) return this.evaluate(cart, null);
    this.deps.carts.setCustomer(cart.id, null, this.deps.clock.now());
    return this.evaluateOpen({ cause: { message: `${cart.customer.name} was removed from the sale` } });
  }

  addCoupon(code: string): CheckoutView {
    const store = this.store();
    const trimmed = code.trim().toUpperCase();
    const cart = this.openOrCreateCart();
    if (cart.coupons.some((c) => normalizeCoupon(c) === normalizeCoupon(trimmed))) {
      return this.evaluate(cart, null);
    }
    this.checkCoupon(trimmed, cart, store);
    this.deps.carts.setCoupons(cart.id, [...cart.coupons, trimmed], this.deps.clock.now());
    return this.evaluateOpen({ cause: { message: `Coupon ${trimmed} was added` } });
  }

  removeCoupon(code: string): CheckoutView {
    const cart = this.requireOpenCart();
    const remaining = cart.coupons.filter((c) => normalizeCoupon(c) !== normalizeCoupon(code));
    if (remaining.length === cart.coupons.length) return this.evaluate(cart, null);
    this.deps.carts.setCoupons(cart.id, remaining, this.deps.clock.now());
    return this.evaluateOpen({ cause: { message: `Coupon ${code.trim().toUpperCase()} was removed` } });
  }

  /** Prices the sale on screen in `currency` (the store's, or one this terminal has a rate for). */
  setCurrency(currency: string): CheckoutView {
    const store = this.store();
    const code = currency.trim().toUpperCase();
    if (code !== store.currency && !this.deps.catalog.exchangeRate(code)) {
      const known = this.deps.catalog.exchangeRates().map((r) => r.currency);
      throw new TerminalError(
        'CURRENCY_UNAVAILABLE',
        `There is no exchange rate for ${code} on this terminal, so the sale cannot be priced in it. ${
          known.length > 0
            ? `It can be priced in ${store.currency} (the store’s currency) or ${known.join(', ')}.`
            : `It can be priced in ${store.currency} only: no exchange rates have reached this terminal.`
        }`,
        { currency: code },
      );
    }
    const cart = this.openOrCreateCart();
    if (cart.tenders.length > 0) throw this.hasTenders();
    if (cart.currency === code) return this.evaluate(cart, null);
    this.deps.carts.setCurrency(cart.id, code, this.deps.clock.now());
    const rate = this.deps.catalog.exchangeRate(code);
    const at = rate ? `${code} at 1 ${store.currency} = ${rate.rate} ${code}` : `${code}, the store’s currency`;
    return this.evaluateOpen({
      cause: { message: `The sale is now in ${at}: every line was priced again.`, compareLines: false },
    });
  }

  /** The currencies the sale on screen can be priced in: the store's first, then those with a rate. */
  currencies(): CurrencyOptionsView {
    const store = this.store();
    const current = this.deps.carts.open()?.currency ?? store.currency;
    return {
      storeCurrency: store.currency,
      current,
      options: [
        { currency: store.currency, rate: null, snapshotId: null, asOf: null },
        ...this.deps.catalog
          .exchangeRates()
          .filter((r) => r.currency !== store.currency)
          .map((r) => ({ currency: r.currency, rate: r.rate, snapshotId: r.snapshotId, asOf: r.asOf })),
      ],
    };
  }

  park(label: string | null): ParkedCartView[] {
    const cart = this.requireEditableCart();
    if (cart.lines.length === 0) throw new TerminalError('CART_EMPTY', 'There is nothing to park: the sale is empty.');
    const view = this.evaluate(cart, null);
    this.deps.carts.park(cart.id, { label, total: view.total, now: this.deps.clock.now() });
    this.deps.caches.release(cart.id);
    this.stopTimer();
    return this.parked();
  }

  resume(cartId: string): CheckoutView {
    const open = this.deps.carts.open();
    if (open?.id === cartId) return this.evaluate(open, null);
    if (this.deps.carts.get(cartId)?.status !== 'parked') {
      throw new TerminalError('CART_NOT_FOUND', 'That parked sale is no longer parked.', { cartId });
    }
    if (open) {
      if (open.lines.length > 0) this.park(open.label);
      else this.deps.carts.cancel(open.id, this.deps.clock.now());
    }
    this.deps.carts.resume(cartId, this.deps.clock.now());
    return this.evaluateOpen({ cause: { message: 'The parked sale was resumed' } });
  }

  /** Voids the whole sale on screen. */
  cancel(): CheckoutView {
    const cart = this.deps.carts.open();
    if (cart) {
      if (cart.tenders.length > 0) {
        throw new TerminalError('CART_HAS_TENDERS', 'A payment is recorded on this sale: remove it before voiding.');
      }
      this.deps.carts.cancel(cart.id, this.deps.clock.now());
      this.deps.caches.drop(cart.id);
    }
    this.stopTimer();
    return this.emptyView();
  }

  // --- paying -----------------------------------------------------------------------------

  tender(request: {
    method: 'cash' | 'card';
    amount?: string | undefined;
    reference?: string | undefined;
    expectedTotal?: string | undefined;
  }): TenderResultView {
    const cart = this.requireOpenCart();
    if (cart.lines.length === 0) throw new TerminalError('CART_EMPTY', 'The sale is empty: scan an item first.');
    const view = this.evaluate(cart, null);
    if (request.expectedTotal !== undefined && !new Decimal(request.expectedTotal).equals(view.total)) {
      throw new TerminalError(
        'TOTAL_CHANGED',
        `The total changed to ${formatMoney(view.total, view.currency)} (it was ${formatMoney(request.expectedTotal, view.currency)} on screen): check it with the customer.`,
        { total: view.total },
      );
    }
    const due = new Decimal(view.due);
    const amount =
      request.amount === undefined || request.amount.trim() === ''
        ? due
        : parseAmount(request.amount, view.currency, 'amount');
    if (amount.lte(0) && !due.isZero()) {
      throw new TerminalError('TENDER_INVALID', 'The amount must be more than zero.');
    }
    if (request.method === 'card' && amount.gt(due)) {
      throw new TerminalError(
        'TENDER_INVALID',
        `A card payment cannot be more than the amount due (${formatMoney(due.toString(), view.currency)}).`,
      );
    }
    const tender = {
      id: this.deps.newId(),
      method: request.method,
      amount: toFixed(amount, view.currency),
      reference: request.reference?.trim() || null,
    };
    if (amount.lt(due)) {
      this.deps.carts.addTender(cart.id, tender, this.deps.clock.now());
      return { done: null, checkout: this.evaluateOpen({}) };
    }
    return { done: this.completeSale(cart, view, tender), checkout: this.emptyView() };
  }

  removeTender(tenderId: string): CheckoutView {
    const cart = this.requireOpenCart();
    if (!this.deps.carts.removeTender(cart.id, tenderId, this.deps.clock.now())) {
      throw new TerminalError('TENDER_INVALID', 'That payment is not on this sale.', { tenderId });
    }
    return this.evaluateOpen({});
  }

  /** Re-prices the open checkout on its own (a price switched, the window passed); tells the UI. */
  tick(): void {
    const cart = this.deps.carts.open();
    if (!cart || cart.lines.length === 0) return;
    const view = this.evaluate(cart, {
      message: `Prices switched at ${formatTime(this.deps.clock.now(), this.store().timeZone)}`,
    });
    this.deps.emit({ type: 'checkout', checkout: view });
  }

  stop(): void {
    this.stopTimer();
  }

  // --- internals --------------------------------------------------------------------------

  private completeSale(
    cart: Cart,
    view: CheckoutView,
    finalTender: { id: string; method: 'cash' | 'card'; amount: string; reference: string | null },
  ) {
    const store = this.store();
    const terminal = this.terminal();
    const now = this.deps.clock.now();
    const saleId = this.deps.newId();
    const tenders = [
      ...cart.tenders.map((t) => ({ method: t.method, amount: t.amount, reference: t.reference })),
      { method: finalTender.method, amount: finalTender.amount, reference: finalTender.reference },
    ];
    const paid = sum(tenders.map((t) => t.amount));
    const change = toFixed(paid.minus(view.total), view.currency);
    const cache = this.deps.caches.peek(cart.id);
    const receipt = this.deps.db.transaction(
      () => {
        const receiptNumber = this.deps.settings.nextReceiptNumber(terminal.name);
        const data: ReceiptData = {
          saleId,
          kind: 'sale',
          receiptNumber,
          returnOf: null,
          store: { id: store.id, name: store.name, timeZone: store.timeZone },
          terminal: terminal.name,
          cashier: cart.cashier,
          at: now,
          currency: view.currency,
          customer: cart.customer
            ? { id: cart.customer.id, name: cart.customer.name, email: cart.customer.email }
            : null,
          coupons: cart.coupons,
          lines: view.lines.map((l) => ({
            sku: l.sku,
            name: l.name,
            qty: l.qty,
            basePrice: l.basePrice,
            unitPrice: l.unitPrice,
            total: l.total,
            tax: l.tax,
            discounts: l.discounts.map((d) => ({ label: d.label, amount: d.amount })),
          })),
          subtotal: view.subtotal,
          discount: view.discount,
          tax: view.tax,
          taxIncluded: view.taxIncluded,
          total: view.total,
          tenders,
          change,
          reason: null,
          exchange: view.exchange,
        };
        this.deps.sales.record(data, cart.id, null);
        this.deps.outbox.append(
          saleItem({
            id: saleId,
            terminalId: terminal.id,
            at: now,
            view,
            customerId: cart.customer?.id ?? null,
            coupons: cart.coupons,
            tenders,
            change,
            rulesSnapshotId: cache?.snapshotId ?? null,
            ratesSnapshotId: view.exchange?.snapshotId ?? null,
          }),
        );
        this.deps.carts.complete(cart.id, saleId, now);
        this.deps.caches.drop(cart.id);
        return data;
      },
      { durable: true },
    );
    this.stopTimer();
    this.deps.recorded();
    return { receipt: receiptView(receipt), change, checkout: this.emptyView() };
  }

  private addProduct(product: ProductRecord, qty: number): CheckoutView {
    this.checkQty(qty);
    const cart = this.openOrCreateCart();
    if (cart.tenders.length > 0) throw this.hasTenders();
    const now = this.deps.clock.now();
    const existing = cart.lines.find((l) => l.sku === product.sku);
    let lineId: string;
    if (existing) {
      if (existing.qty + qty > MAX_QTY) this.checkQty(existing.qty + qty);
      this.deps.carts.setQuantity(cart.id, existing.id, existing.qty + qty, now);
      lineId = existing.id;
    } else {
      lineId = this.deps.newId();
      this.deps.carts.addLine(cart.id, { id: lineId, sku: product.sku, qty, now });
    }
    return this.evaluateOpen({ lastLineId: lineId });
  }

  private evaluateOpen(options: { cause?: Cause; lastLineId?: string }): CheckoutView {
    const cart = this.requireOpenCart();
    return this.evaluate(cart, options.cause ?? null, options.lastLineId ?? null);
  }

  private evaluate(cart: Cart, cause: Cause | null, lastLineId: string | null = null): CheckoutView {
    const store = this.store();
    if (cart.lines.length === 0) {
      this.stopTimer();
      return {
        ...this.emptyView(),
        cartId: cart.id,
        status: 'open',
        customer: this.customerView(cart),
        coupons: this.couponViews(cart, null),
        currency: cart.currency,
      };
    }
    const now = this.deps.clock.now();
    const facts = this.facts(cart);
    const prepared = this.deps.caches.prepare(
      cart.id,
      cart.lines.map((l) => l.sku),
      facts,
      now,
    );
    const { cache } = prepared;
    const priced = this.pricerFor(cache, cart, store).price(now, cart.lines);
    const rebuildMessage =
      prepared.rebuilt === 'window' || prepared.rebuilt === 'snapshot' ? REBUILD_MESSAGES[prepared.rebuilt] : null;
    const notice: NoticeView | null =
      cause?.compareLines === false
        ? { kind: 'info', message: cause.message, changes: [] }
        : this.notice(cause?.message ?? rebuildMessage, cache, priced, cart);
    this.deps.caches.remember(cache, shownLines(priced));
    const countdown = this.countdown(cache, priced, now, store);
    if (cart.status === 'open') this.schedule(cache, priced, now);
    const lines = priced.lines.map((line) => this.lineView(cart.id, line));
    const paid = sum(cart.tenders.map((t) => t.amount));
    // What the shelf says, and what the customer saves on it: price adjustments count as savings too.
    const shelf = sum(priced.lines.map((l) => new Decimal(l.basePrice).times(l.qty)));
    const net = sum(priced.lines.map((l) => l.total));
    return {
      cartId: cart.id,
      status: cart.status === 'parked' ? 'parked' : 'open',
      label: cart.label,
      currency: cart.currency,
      lines,
      itemCount: lines.reduce((n, l) => n + l.qty, 0),
      subtotal: toFixed(shelf, cart.currency),
      discount: toFixed(shelf.minus(net), cart.currency),
      tax: priced.tax,
      total: priced.total,
      taxIncluded: store.taxIncluded,
      customer: this.customerView(cart),
      coupons: this.couponViews(cart, priced),
      tenders: cart.tenders.map((t) => ({ id: t.id, method: t.method, amount: t.amount, reference: t.reference })),
      paid: toFixed(paid, cart.currency),
      due: toFixed(Decimal.max(0, new Decimal(priced.total).minus(paid)), cart.currency),
      countdown,
      notice,
      notes: priced.notes,
      pricing: {
        snapshotSeq: cache.snapshotSeq,
        windowStart: cache.window.start,
        windowEnd: cache.window.end,
        rules: cache.rules.size,
      },
      exchange: this.exchangeView(cache, store),
      lastLineId,
    };
  }

  /** Which lines changed since the cashier last saw them, and why, when the cause is not the cashier's own edit. */
  private notice(message: string | null, cache: CheckoutCache, priced: PricedCart, cart: Cart): NoticeView | null {
    if (!message) return null;
    const changes: LineChange[] = [];
    for (const line of priced.lines) {
      const before = cache.shown[line.id];
      if (!before || new Decimal(before.total).equals(line.total)) continue;
      changes.push({
        lineId: line.id,
        name: this.deps.catalog.product(line.sku)?.name ?? line.sku,
        from: before.total,
        to: line.total,
        reasons: changeReasons(before, line, cart.currency),
      });
    }
    if (changes.length === 0) return null;
    const count = changes.length === 1 ? '1 line changed' : `${changes.length} lines changed`;
    return { kind: 'prices-changed', message: `${message}: ${count}.`, changes };
  }

  private countdown(cache: CheckoutCache, priced: PricedCart, now: number, store: StoreSettings): CountdownView | null {
    const next = priced.validUntil;
    if (next === null || next - now > (this.deps.countdownMs ?? 600_000)) return null;
    const ending = new Map<string, string>();
    const lineIds: string[] = [];
    for (const line of priced.lines) {
      for (const discount of line.discounts) {
        const rule = cache.rules.get(discount.ruleId);
        if (rule && !this.deps.pricing.activeAt(rule, next, store.timeZone)) {
          ending.set(rule.id, discount.label);
          if (!lineIds.includes(line.id)) lineIds.push(line.id);
        }
      }
    }
    if (ending.size === 0) return null;
    const labels = [...ending.values()];
    return {
      at: next,
      label: labels.length === 1 ? `${labels[0]} ends` : `${labels.length} offers end`,
      lineIds,
      ruleIds: [...ending.keys()],
    };
  }

  /** The engine session of the open checkout, rebuilt only when its cache or customer facts changed. */
  private pricerFor(cache: CheckoutCache, cart: Cart, store: StoreSettings): CheckoutPricer {
    const memo = this.pricerMemo;
    if (memo && memo.cache === cache && memo.version === cache.version) return memo.pricer;
    const pricer = this.deps.pricing.pricer({
      store,
      currency: cart.currency,
      // The checkout's own rate, kept with its cache: the whole sale is priced with one snapshot.
      rates: cache.exchange ? { [cache.exchange.currency]: cache.exchange.rate } : {},
      customer: cart.customer ? { id: cart.customer.id, segments: cart.customer.segments } : null,
      coupons: cart.coupons,
      products: cache.products,
      rules: [...cache.rules.values()],
    });
    this.pricerMemo = { cache, version: cache.version, pricer };
    return pricer;
  }

  /** Re-price the open checkout when a price switches (engine's validUntil) or its window ends. */
  private schedule(cache: CheckoutCache, priced: PricedCart, now: number): void {
    this.stopTimer();
    const at = Math.min(priced.validUntil ?? Number.POSITIVE_INFINITY, cache.window.end + 1);
    this.cancelTimer = this.deps.clock.setTimeout(() => {
      this.cancelTimer = null;
      this.tick();
    }, at - now);
  }

  private stopTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private checkCoupon(code: string, cart: Cart, store: StoreSettings): void {
    const rules = this.deps.catalog.rulesWithCoupon(code);
    if (rules.length === 0) {
      throw new TerminalError('COUPON_INVALID', `Coupon ${code} is not known at this store.`, { code });
    }
    const now = this.deps.clock.now();
    const active = rules.filter((r) => this.deps.pricing.activeAt(r, now, store.timeZone));
    if (active.length === 0) {
      const bounds = rules.map((r) => ({
        from: typeof r.body.validFrom === 'string' ? Date.parse(r.body.validFrom) : null,
        to: typeof r.body.validTo === 'string' ? Date.parse(r.body.validTo) : null,
      }));
      const upcoming = bounds.filter((b) => b.from !== null && b.from > now).map((b) => b.from as number);
      const ended = bounds.filter((b) => b.to !== null && b.to <= now).map((b) => b.to as number);
      const when = (ms: number) =>
        new Intl.DateTimeFormat('en-US', { timeZone: store.timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(
          ms,
        );
      const reason =
        upcoming.length > 0
          ? `it starts ${when(Math.min(...upcoming))}`
          : ended.length > 0
            ? `it ended ${when(Math.max(...ended))}`
            : 'it is not valid at this time of day';
      throw new TerminalError('COUPON_INVALID', `Coupon ${code} cannot be used now: ${reason}.`, { code });
    }
    const segments = new Set(cart.customer?.segments ?? []);
    const usable = active.filter((r) => {
      const needed = Array.isArray(r.body.segments) ? (r.body.segments as string[]) : [];
      return needed.length === 0 || needed.some((s) => segments.has(s));
    });
    if (usable.length === 0) {
      const needed = [
        ...new Set(active.flatMap((r) => (Array.isArray(r.body.segments) ? (r.body.segments as string[]) : []))),
      ];
      throw new TerminalError(
        'COUPON_INVALID',
        `Coupon ${code} is for ${needed.join(' or ')} customers only${
          cart.customer ? `, and ${cart.customer.name} is not one` : ': attach the customer’s loyalty card first'
        }.`,
        { code, segments: needed },
      );
    }
  }

  private facts(cart: Cart): CacheFacts {
    return {
      customerId: cart.customer?.id ?? null,
      segments: cart.customer?.segments ?? [],
      coupons: cart.coupons,
      currency: cart.currency,
    };
  }

  /** Names and barcodes of the open checkout's items, read once per checkout. */
  private productInfo(cartId: string, sku: string): { name: string; barcode: string | null } {
    if (this.names.cartId !== cartId) this.names = { cartId, bySku: new Map() };
    let info = this.names.bySku.get(sku);
    if (!info) {
      const product = this.deps.catalog.product(sku);
      info = { name: product?.name ?? sku, barcode: product?.barcode ?? null };
      this.names.bySku.set(sku, info);
    }
    return info;
  }

  private lineView(cartId: string, line: PricedLine): LineView {
    const product = this.productInfo(cartId, line.sku);
    return {
      id: line.id,
      sku: line.sku,
      name: product.name,
      barcode: product.barcode,
      qty: line.qty,
      basePrice: line.basePrice,
      unitPrice: line.unitPrice,
      total: line.total,
      tax: line.tax,
      discounts: line.discounts,
      notes: line.notes,
      stockWarning: this.stockWarning(line.sku, line.qty),
    };
  }

  private stockWarning(sku: string, qty: number): string | null {
    if (this.deps.connection() !== 'online') return null;
    const available = this.deps.catalog.available(sku);
    if (available === null || available >= qty) return null;
    return available <= 0 ? 'Sold out on the server' : `Only ${available} left on the server`;
  }

  private exchangeView(cache: CheckoutCache, store: StoreSettings): ExchangeView | null {
    const exchange = cache.exchange;
    if (!exchange || exchange.currency === store.currency) return null;
    return { base: store.currency, currency: exchange.currency, rate: exchange.rate, snapshotId: exchange.snapshotId };
  }

  private customerView(cart: Cart) {
    const c = cart.customer;
    return c
      ? { id: c.id, name: c.name, loyaltyCard: c.loyaltyCard, phone: c.phone, email: c.email, segments: c.segments }
      : null;
  }

  private couponViews(cart: Cart, priced: PricedCart | null): CouponView[] {
    return cart.coupons.map((code) => {
      const outcome = priced?.coupons.find((c) => normalizeCoupon(c.code) === normalizeCoupon(code));
      return {
        code,
        applied: outcome?.applied ?? false,
        note: outcome?.text ?? 'Nothing in the sale qualifies yet',
      };
    });
  }

  private productView(product: ProductRecord): ProductView {
    return {
      sku: product.sku,
      barcode: product.barcode,
      name: product.name,
      category: product.category,
      price: product.price,
      currency: product.currency,
      available: this.deps.catalog.available(product.sku),
    };
  }

  private emptyView(): CheckoutView {
    const store = this.deps.settings.get('store');
    const currency = store?.currency ?? 'USD';
    const zero = toFixed(0, currency);
    return {
      cartId: null,
      status: 'empty',
      label: null,
      currency,
      lines: [],
      itemCount: 0,
      subtotal: zero,
      discount: zero,
      tax: zero,
      total: zero,
      taxIncluded: store?.taxIncluded ?? false,
      customer: null,
      coupons: [],
      tenders: [],
      paid: zero,
      due: zero,
      countdown: null,
      notice: null,
      notes: [],
      pricing: null,
      exchange: null,
      lastLineId: null,
    };
  }

  private findProduct(code: string): ProductRecord {
    const product = this.deps.catalog.findByCode(code);
    if (!product) {
      throw new TerminalError('UNKNOWN_BARCODE', `No product has barcode or SKU "${code.trim()}".`, { code });
    }
    return product;
  }

  private store(): StoreSettings {
    const store = this.deps.settings.get('store');
    if (!store) {
      throw new TerminalError(
        'NOT_READY',
        'This terminal has no catalog yet: it needs to reach the store server once to load it.',
      );
    }
    return store;
  }

  private terminal(): TerminalIdentity {
    const terminal = this.deps.settings.get('terminal');
    if (!terminal) throw new TerminalError('NOT_READY', 'This terminal is not enrolled with a store server yet.');
    return terminal;
  }

  private cashier(): string {
    const cashier = this.deps.settings.get('cashier');
    if (!cashier) throw new TerminalError('NOT_SIGNED_IN', 'Sign in as a cashier first.');
    return cashier;
  }

  private openOrCreateCart(): Cart {
    const open = this.deps.carts.open();
    if (open) return open;
    const store = this.store();
    return this.deps.carts.create({
      id: this.deps.newId(),
      cashier: this.cashier(),
      currency: store.currency,
      now: this.deps.clock.now(),
    });
  }

  private requireOpenCart(): Cart {
    const cart = this.deps.carts.open();
    if (!cart) throw new TerminalError('CART_EMPTY', 'There is no sale in progress.');
    return cart;
  }

  private requireEditableCart(): Cart {
    const cart = this.requireOpenCart();
    if (cart.tenders.length > 0) throw this.hasTenders();
    return cart;
  }

  private checkQty(qty: number): void {
    if (!Number.isInteger(qty) || qty < 1 || qty > MAX_QTY) {
      throw new TerminalError('VALIDATION_FAILED', `Quantity must be a whole number from 1 to ${MAX_QTY}.`, { qty });
    }
  }

  private hasTenders(): TerminalError {
    return new TerminalError(
      'CART_HAS_TENDERS',
      'A payment is already recorded on this sale: remove it before changing the items.',
    );
  }

  private lineNotFound(lineId: string): TerminalError {
    return new TerminalError('LINE_NOT_FOUND', 'That line is no longer in the sale.', { lineId });
  }
}

function shownLines(priced: PricedCart): Record<string, ShownLine> {
  return Object.fromEntries(
    priced.lines.map((l) => [l.id, { total: l.total, unitPrice: l.unitPrice, discounts: l.discounts }]),
  );
}

/** In words, what made a line's total move: rules that started, ended or changed, or the shelf price. */
export function changeReasons(before: ShownLine, after: PricedLine, currency: string): string[] {
  const reasons: string[] = [];
  const was = new Map(before.discounts.map((d) => [d.ruleId, d]));
  const now = new Map(after.discounts.map((d) => [d.ruleId, d]));
  for (const [id, d] of was) {
    if (!now.has(id)) reasons.push(`${d.label} no longer applies`);
  }
  for (const [id, d] of now) {
    const old = was.get(id);
    if (!old) reasons.push(`${d.label} now applies (−${formatMoney(d.amount, currency)})`);
    else if (!new Decimal(old.amount).equals(d.amount)) {
      reasons.push(`${d.label}: −${formatMoney(old.amount, currency)} → −${formatMoney(d.amount, currency)}`);
    }
  }
  if (!new Decimal(before.unitPrice).equals(after.unitPrice) && reasons.length === 0) {
    reasons.push(
      `Price changed from ${formatMoney(before.unitPrice, currency)} to ${formatMoney(after.unitPrice, currency)}`,
    );
  }
  if (reasons.length === 0) reasons.push('Its price was recalculated');
  return reasons;
}
