import type { CatalogStore, RuleRecord, Window } from './catalog';
import type { Db } from './platform/db';
import type { Pricing, PricingProduct } from './pricing';
import type { DiscountView } from './views';

/**
 * The windowed checkout cache (ARCHITECTURE.md): each checkout is priced from pricing
 * data loaded for one time window out of one snapshot of the replica, so scanning never
 * waits on a query over all rules and time-based prices still switch on their millisecond
 * (the engine checks each rule's own times at every evaluation).
 */

export interface CacheOptions {
  /** How far back the window starts, for a clock that runs a little ahead (default 1 min). */
  skewMarginMs: number;
  /** How far ahead the window reaches (default 10 min). */
  windowMs: number;
}

export const DEFAULT_CACHE_OPTIONS: CacheOptions = { skewMarginMs: 60_000, windowMs: 600_000 };

/** Facts about the customer that decide which rules apply; a change drops the cache. */
export interface CacheFacts {
  customerId: string | null;
  segments: string[];
  coupons: string[];
  currency: string;
}

/** What a line showed last time, to tell the cashier what a switch changed. */
export interface ShownLine {
  total: string;
  unitPrice: string;
  discounts: DiscountView[];
}

/** The exchange rate a checkout in another currency is priced with, for its whole life. */
export interface ExchangeUsed {
  currency: string;
  /** Units of `currency` per one unit of the store's currency. */
  rate: string;
  /** The server's rates snapshot the rate comes from. */
  snapshotId: string | null;
}

export interface CheckoutCache {
  cartId: string;
  window: Window;
  /** The replica's applied sequence when the cache was built: every item comes from this snapshot. */
  snapshotSeq: number;
  /** The server's name for the rules snapshot ("<store>@<pricing version>"), when the replica knows it. */
  snapshotId: string | null;
  facts: CacheFacts;
  /** null: the sale is in the store's currency (or no rate was known when the cache was built). */
  exchange: ExchangeUsed | null;
  builtAt: number;
  products: Map<string, PricingProduct>;
  rules: Map<string, RuleRecord>;
  shown: Record<string, ShownLine>;
  /** Bumped whenever rules are added to the cache (in memory only): a pricer built before is stale. */
  version: number;
}

export type RebuildReason = 'opened' | 'window' | 'customer' | 'snapshot';

export interface PreparedCache {
  cache: CheckoutCache;
  /** Why the cache was built anew for this evaluation; null when it was kept (items may have been added). */
  rebuilt: RebuildReason | null;
  loadedSkus: string[];
}

export function sameFacts(a: CacheFacts, b: CacheFacts): boolean {
  const sorted = (xs: string[]) => [...xs].sort().join('\u0000');
  return (
    a.customerId === b.customerId &&
    a.currency === b.currency &&
    sorted(a.segments) === sorted(b.segments) &&
    sorted(a.coupons.map((c) => c.toLowerCase())) === sorted(b.coupons.map((c) => c.toLowerCase()))
  );
}

export function insideWindow(window: Window, at: number): boolean {
  return at >= window.start && at <= window.end;
}

interface CacheRow {
  cart_id: string;
  window_start: number;
  window_end: number;
  snapshot_seq: number;
  snapshot_id: string | null;
  facts: string;
  exchange: string | null;
  built_at: number;
  last_lines: string;
}

/** Persistence of checkout caches, stored with their cart. */
export class CheckoutCacheStore {
  constructor(private readonly db: Db) {}

  load(cartId: string): CheckoutCache | undefined {
    const row = this.db.get<CacheRow>('SELECT * FROM checkout_caches WHERE cart_id = ?', [cartId]);
    if (!row) return undefined;
    const products = new Map<string, PricingProduct>();
    for (const p of this.db.all<{ sku: string; body: string }>(
      'SELECT sku, body FROM checkout_cache_products WHERE cart_id = ?',
      [cartId],
    )) {
      products.set(p.sku, JSON.parse(p.body) as PricingProduct);
    }
    const rules = new Map<string, RuleRecord>();
    for (const r of this.db.all<{ rule_id: string; body: string }>(
      'SELECT rule_id, body FROM checkout_cache_rules WHERE cart_id = ?',
      [cartId],
    )) {
      rules.set(r.rule_id, { id: r.rule_id, body: JSON.parse(r.body) as Record<string, unknown> });
    }
    return {
      cartId,
      window: { start: row.window_start, end: row.window_end },
      snapshotSeq: row.snapshot_seq,
      snapshotId: row.snapshot_id,
      facts: JSON.parse(row.facts) as CacheFacts,
      exchange: row.exchange === null ? null : (JSON.parse(row.exchange) as ExchangeUsed),
      builtAt: row.built_at,
      products,
      rules,
      shown: JSON.parse(row.last_lines) as Record<string, ShownLine>,
      version: 0,
    };
  }

  /** Replaces whatever cache the cart had. */
  replace(cache: CheckoutCache): void {
    this.db.transaction(() => {
      this.drop(cache.cartId);
      this.db.run(
        `INSERT INTO checkout_caches (cart_id, window_start, window_end, snapshot_seq, snapshot_id, facts, exchange, built_at, last_lines)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          cache.cartId,
          cache.window.start,
          cache.window.end,
          cache.snapshotSeq,
          cache.snapshotId,
          JSON.stringify(cache.facts),
          cache.exchange === null ? null : JSON.stringify(cache.exchange),
          cache.builtAt,
          JSON.stringify(cache.shown),
        ],
      );
      this.addItems(cache.cartId, [...cache.products.values()], [...cache.rules.values()]);
    });
  }

  addItems(cartId: string, products: readonly PricingProduct[], rules: readonly RuleRecord[]): void {
    for (const product of products) {
      this.db.run('INSERT OR REPLACE INTO checkout_cache_products (cart_id, sku, body) VALUES (?, ?, ?)', [
        cartId,
        product.sku,
        JSON.stringify(product),
      ]);
    }
    for (const rule of rules) {
      this.db.run('INSERT OR REPLACE INTO checkout_cache_rules (cart_id, rule_id, body) VALUES (?, ?, ?)', [
        cartId,
        rule.id,
        JSON.stringify(rule.body),
      ]);
    }
  }

  saveShown(cartId: string, shown: Record<string, ShownLine>): void {
    this.db.run('UPDATE checkout_caches SET last_lines = ? WHERE cart_id = ?', [JSON.stringify(shown), cartId]);
  }

  drop(cartId: string): void {
    this.db.run('DELETE FROM checkout_caches WHERE cart_id = ?', [cartId]);
  }
}

export interface WindowedCachesDeps {
  catalog: CatalogStore;
  store: CheckoutCacheStore;
  pricing: Pricing;
  /** The replica's applied sequence, and the last sequence that changed pricing data. */
  replicaSeqs(): { appliedSeq: number; pricingSeq: number; pricingVersion: number | null };
  /** The store's id and zone. */
  storeId(): string;
  timeZone(): string;
  /** The rate to price a sale in `currency` with now; null for the store's own currency or an unknown one. */
  exchangeRate(currency: string): ExchangeUsed | null;
  options: CacheOptions;
}

/**
 * Decides, for each evaluation of a checkout, whether its cache still serves: keep it
 * (loading only new items into the same window and snapshot), or drop it and build a new
 * one when the moment left the window, the customer facts changed, or a new item cannot
 * be loaded from the cache's snapshot because the replica has moved on since.
 */
export class WindowedCaches {
  private readonly live = new Map<string, CheckoutCache>();

  constructor(private readonly deps: WindowedCachesDeps) {}

  /** The cache of a cart (from memory, or as stored with the cart), without changing it. */
  peek(cartId: string): CheckoutCache | undefined {
    let cache = this.live.get(cartId);
    if (!cache) {
      cache = this.deps.store.load(cartId);
      if (cache) this.live.set(cartId, cache);
    }
    return cache;
  }

  prepare(cartId: string, skus: readonly string[], facts: CacheFacts, now: number): PreparedCache {
    const cache = this.peek(cartId);
    if (!cache) return this.build(cartId, skus, facts, now, 'opened');
    if (!insideWindow(cache.window, now)) return this.build(cartId, skus, facts, now, 'window');
    if (!sameFacts(cache.facts, facts)) return this.build(cartId, skus, facts, now, 'customer');
    const missing = [...new Set(skus)].filter((sku) => !cache.products.has(sku));
    if (missing.length === 0) return { cache, rebuilt: null, loadedSkus: [] };
    if (this.deps.replicaSeqs().pricingSeq > cache.snapshotSeq) {
      return this.build(cartId, skus, facts, now, 'snapshot');
    }
    const loaded = this.loadItems(cache, missing);
    this.deps.store.addItems(cartId, loaded.products, loaded.rules);
    return { cache, rebuilt: null, loadedSkus: missing };
  }

  /** Records what the cashier was shown (line totals and discounts) with the cache. */
  remember(cache: CheckoutCache, shown: Record<string, ShownLine>): void {
    cache.shown = shown;
    this.deps.store.saveShown(cache.cartId, shown);
  }

  /** Forgets the in-memory copy (the stored one stays with a parked cart). */
  release(cartId: string): void {
    this.live.delete(cartId);
  }

  drop(cartId: string): void {
    this.live.delete(cartId);
    this.deps.store.drop(cartId);
  }

  private build(
    cartId: string,
    skus: readonly string[],
    facts: CacheFacts,
    now: number,
    reason: RebuildReason,
  ): PreparedCache {
    const { options } = this.deps;
    const previous = this.live.get(cartId);
    const seqs = this.deps.replicaSeqs();
    const cache: CheckoutCache = {
      cartId,
      window: { start: now - options.skewMarginMs, end: now + options.windowMs },
      snapshotSeq: seqs.appliedSeq,
      snapshotId: seqs.pricingVersion === null ? null : `${this.deps.storeId()}@${seqs.pricingVersion}`,
      facts,
      exchange: this.deps.exchangeRate(facts.currency),
      builtAt: now,
      products: new Map(),
      rules: new Map(),
      shown: previous?.shown ?? {},
      version: (previous?.version ?? 0) + 1,
    };
    const unique = [...new Set(skus)];
    this.loadItems(cache, unique);
    this.deps.store.replace(cache);
    this.live.set(cartId, cache);
    return { cache, rebuilt: reason, loadedSkus: unique };
  }

  /** Loads items' pricing data into the cache, for its window; returns what was added. */
  private loadItems(
    cache: CheckoutCache,
    skus: readonly string[],
  ): { products: PricingProduct[]; rules: RuleRecord[] } {
    const products: PricingProduct[] = [];
    const rules: RuleRecord[] = [];
    const timeZone = this.deps.timeZone();
    for (const sku of skus) {
      const product = this.deps.catalog.product(sku);
      if (!product) continue;
      const pricingProduct: PricingProduct = {
        sku,
        price: product.price,
        category: product.category,
        taxRate: product.taxRate,
      };
      cache.products.set(sku, pricingProduct);
      products.push(pricingProduct);
      for (const rule of this.deps.catalog.rulesForItem(sku, product.category, cache.window)) {
        const cached = cache.rules.get(rule.id);
        if (cached && !Array.isArray(cached.body.prices)) continue;
        // The query matched the window by the rule's bounds; only a recurrence needs the engine.
        if (!cached && rule.recurring && !this.deps.pricing.activeDuring(rule, cache.window, timeZone)) continue;
        // A price list can name 100,000 SKUs: the cache keeps the entries of the items it holds.
        const kept = Array.isArray(rule.body.prices) ? withPriceEntries(rule, cached, sku) : rule;
        cache.rules.set(rule.id, kept);
        rules.push(kept);
      }
    }
    if (rules.length > 0) cache.version++;
    return { products, rules };
  }
}

/** The price-list rule with its entries cut to the cached items plus `sku` (same snapshot, so entries agree). */
function withPriceEntries(rule: RuleRecord, cached: RuleRecord | undefined, sku: string): RuleRecord {
  type Entry = { sku?: unknown };
  const entries = (rule.body.prices as Entry[]).filter((e) => e.sku === sku);
  const kept = cached ? (cached.body.prices as Entry[]).filter((e) => e.sku !== sku) : [];
  return { id: rule.id, body: { ...rule.body, prices: [...kept, ...entries] } };
}
