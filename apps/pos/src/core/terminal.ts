import { v7 as uuidv7 } from 'uuid';
import { CartStore } from './carts';
import { CatalogStore } from './catalog';
import { Checkout } from './checkout';
import { type CacheOptions, CheckoutCacheStore, DEFAULT_CACHE_OPTIONS, WindowedCaches } from './checkout-cache';
import { openDrawer } from './drawer';
import { TerminalError } from './errors';
import { EventHub } from './events';
import { migrate } from './migrations';
import { OPERATIONS, type Operations } from './operations';
import { OutboxStore } from './outbox';
import { type Clock, offsetClock, systemClock } from './platform/clock';
import { type Db, isStorageError } from './platform/db';
import type { Pricing } from './pricing';
import { receiptView } from './receipt';
import { type App, createApp } from './registry';
import { toCustomerRecord } from './replica-changes';
import { Returns } from './returns';
import { SalesStore } from './sales';
import { SettingsStore } from './settings';
import { fixedLink, type TerminalLink } from './sync';
import { SqliteSyncStore } from './sync-store';
import type { SessionView, TerminalEvent, TerminalStatusView } from './views';

export interface TerminalOptions {
  db: Db;
  pricing: Pricing;
  /** The local clock; the terminal corrects it by the link's estimate of the server's clock. */
  clock?: Clock;
  newId?: () => string;
  cache?: Partial<CacheOptions>;
  countdownMs?: number;
  kickDrawer?: () => void;
  onUnexpectedError?: (operation: string, error: unknown) => void;
}

/** The terminal core, assembled: one operation registry over the stores, checkout and sync storage. */
export interface Terminal {
  app: App<Operations>;
  events: EventHub<TerminalEvent>;
  syncStore: SqliteSyncStore;
  settings: SettingsStore;
  catalog: CatalogStore;
  outbox: OutboxStore;
  /** Server-corrected time, as the checkout prices with it. */
  clock: Clock;
  status(): TerminalStatusView;
  /** Plugs in the link to the store server (after enrollment); the previous one is stopped. */
  connect(link: TerminalLink): Promise<void>;
  close(): Promise<void>;
}

export function createTerminal(options: TerminalOptions): Terminal {
  const { db, pricing } = options;
  migrate(db);
  let link: TerminalLink = fixedLink('not-enrolled');
  let unsubscribeLink: () => void = () => {};
  const clock = offsetClock(options.clock ?? systemClock, () => link.clockOffsetMs());
  const newId = options.newId ?? (() => uuidv7());
  const events = new EventHub<TerminalEvent>();
  const settings = new SettingsStore(db);
  const catalog = new CatalogStore(db);
  const carts = new CartStore(db);
  const outbox = new OutboxStore(db);
  const sales = new SalesStore(db);
  const syncStore = new SqliteSyncStore(db, catalog, settings, outbox, clock, {
    ruleProblem: (body) => pricing.invalidReason(body),
  });

  const status = (): TerminalStatusView => {
    const store = settings.get('store');
    const terminal = settings.get('terminal');
    const counts = catalog.counts();
    return {
      terminal: terminal ? { id: terminal.id, name: terminal.name } : null,
      store: store ? { id: store.id, name: store.name, currency: store.currency, timeZone: store.timeZone } : null,
      cashier: settings.get('cashier') ?? null,
      connection: link.state(),
      connectionDetail: link.detail(),
      pendingSales: outbox.pendingCount(),
      lastSyncAt: link.lastSyncAt(),
      clockOffsetMs: link.clockOffsetMs(),
      catalog: { products: counts.products, rules: counts.rules, appliedSeq: syncStore.seqs().appliedSeq },
    };
  };
  const emitStatus = () => events.emit({ type: 'status', status: status() });
  const recorded = () => {
    link.outboxChanged();
    emitStatus();
  };

  const caches = new WindowedCaches({
    catalog,
    store: new CheckoutCacheStore(db),
    pricing,
    replicaSeqs: () => syncStore.seqs(),
    storeId: () => settings.get('store')?.id ?? 'store',
    timeZone: () => settings.get('store')?.timeZone ?? 'UTC',
    exchangeRate: (currency) => {
      if (currency === settings.get('store')?.currency) return null;
      const rate = catalog.exchangeRate(currency);
      return rate ? { currency, rate: rate.rate, snapshotId: rate.snapshotId } : null;
    },
    options: { ...DEFAULT_CACHE_OPTIONS, ...options.cache },
  });
  const checkout = new Checkout({
    db,
    clock,
    catalog,
    carts,
    caches,
    sales,
    outbox,
    settings,
    pricing,
    newId,
    connection: () => link.state(),
    customerFromServer: async (query) => {
      const found = await link.findCustomer(query);
      if (!found) return null;
      const customer = toCustomerRecord(found);
      // Kept like a change from the feed, which brings the same customer again later.
      catalog.upsertCustomer(customer, syncStore.seqs().appliedSeq);
      return customer;
    },
    recorded,
    emit: (event) => events.emit(event),
    ...(options.countdownMs === undefined ? {} : { countdownMs: options.countdownMs }),
  });
  const returns = new Returns({ db, clock, sales, outbox, settings, newId, recorded });
  const unsubscribeStore = syncStore.onApplied(() => emitStatus());
  const unsubscribeSettled = syncStore.onSettled(() => emitStatus());

  const session = (): SessionView => ({ status: status(), checkout: checkout.current() });

  const app = createApp(OPERATIONS, {
    ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
    describeError: (error) =>
      isStorageError(error)
        ? {
            code: 'STORAGE_FAILED',
            message: `This terminal could not save that (${(error as Error).message}). Nothing was recorded; try again, and call for help if it keeps failing.`,
          }
        : undefined,
  });
  app.method('session.get', () => session());
  app.method('session.signIn', ({ cashier }) => {
    settings.set('cashier', cashier);
    emitStatus();
    return session();
  });
  app.method('session.signOut', () => {
    const cashier = settings.get('cashier');
    const open = checkout.current();
    if (open.lines.length > 0 && open.tenders.length === 0) checkout.park(`Left by ${cashier ?? 'cashier'}`);
    settings.set('cashier', null);
    emitStatus();
    return session();
  });
  app.method('session.status', () => status());

  app.method('checkout.current', () => checkout.current());
  app.method('checkout.scan', ({ code, qty }) => checkout.scan(code, qty));
  app.method('checkout.addSku', ({ sku, qty }) => checkout.addSku(sku, qty));
  app.method('checkout.setQuantity', ({ lineId, qty }) => checkout.setQuantity(lineId, qty));
  app.method('checkout.voidLine', ({ lineId }) => checkout.voidLine(lineId));
  app.method('checkout.attachCustomer', ({ query }) => checkout.attachCustomer(query));
  app.method('checkout.detachCustomer', () => checkout.detachCustomer());
  app.method('checkout.addCoupon', ({ code }) => checkout.addCoupon(code));
  app.method('checkout.removeCoupon', ({ code }) => checkout.removeCoupon(code));
  app.method('checkout.setCurrency', ({ currency }) => checkout.setCurrency(currency));
  app.method('checkout.currencies', () => checkout.currencies());
  app.method('checkout.cancel', () => checkout.cancel());
  app.method('checkout.park', ({ label }) => checkout.park(label));
  app.method('checkout.parked', () => checkout.parked());
  app.method('checkout.resume', ({ cartId }) => checkout.resume(cartId));
  app.method('checkout.tender', (request) => checkout.tender(request));
  app.method('checkout.removeTender', ({ tenderId }) => checkout.removeTender(tenderId));

  app.method('catalog.search', ({ query, limit }) => checkout.search(query, limit));
  app.method('catalog.priceCheck', ({ code }) => checkout.priceCheck(code));

  app.method('sales.receipt', ({ saleId }) => {
    const sale = sales.byId(saleId);
    if (!sale) throw new TerminalError('SALE_NOT_FOUND', 'That sale is not on this terminal.', { saleId });
    return receiptView(sale);
  });
  app.method('sales.recent', () => sales.recent().map(receiptView));
  app.method('returns.find', ({ receiptNumber }) => returns.find(receiptNumber));
  app.method('returns.complete', (request) => returns.complete(request));
  app.method('drawer.open', ({ reason }) =>
    openDrawer({ db, clock, outbox, settings, newId, recorded, kick: options.kickDrawer ?? (() => {}) }, reason),
  );
  app.assertComplete();

  return {
    app,
    events,
    syncStore,
    settings,
    catalog,
    outbox,
    clock,
    status,
    connect: async (next) => {
      unsubscribeLink();
      await link.stop();
      link = next;
      unsubscribeLink = link.onChange(emitStatus);
      emitStatus();
    },
    close: async () => {
      checkout.stop();
      unsubscribeStore();
      unsubscribeSettled();
      unsubscribeLink();
      await link.stop();
      db.close();
    },
  };
}
