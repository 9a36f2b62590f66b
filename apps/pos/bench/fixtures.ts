import { generateDemoCatalog } from '@till/store-server';
import type { Terminal } from '../src/core/terminal';

/**
 * Deterministic data for benchmarks and demos: the store server's demo catalog at any size,
 * and a realistic set of pricing rules for it (most rules concern few products, as in a real
 * store: per-SKU offers, category offers for members, flash prices, tiers, deals, thresholds).
 */

export const BENCH_STORE = {
  id: 'demo',
  name: 'Till Demo Store',
  currency: 'USD',
  timeZone: 'America/New_York',
  taxIncluded: false,
  stacking: 'withinPriority',
} as const;

export interface CatalogItem {
  sku: string;
  barcode: string;
  name: string;
  category: string;
  price: { amount: string; currency: string };
  taxRate: string;
}

export function demoProducts(minProducts: number): CatalogItem[] {
  return generateDemoCatalog({ minProducts }).products.map((p) => ({
    sku: p.sku,
    barcode: p.barcode,
    name: p.name,
    category: p.categoryId,
    price: { amount: p.basePrice, currency: 'USD' },
    taxRate: p.taxRate,
  }));
}

/** A small deterministic generator (mulberry32), so every run prices the same rules. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = ['fashion', 'electronics', 'home', 'toys', 'sporting'];

export function demoRules(
  products: readonly CatalogItem[],
  count: number,
  at: number,
  seed = 7,
): Record<string, unknown>[] {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const sku = () => pick(products).sku;
  const iso = (ms: number) => new Date(ms).toISOString();
  const hour = 3_600_000;
  const rules: Record<string, unknown>[] = [];
  for (let i = 0; rules.length < count; i++) {
    const roll = next();
    const id = `r${String(i).padStart(5, '0')}`;
    // Windows: a third always on, a third around now, a third in the past or future.
    const w = next();
    const window =
      w < 0.34
        ? {}
        : w < 0.67
          ? {
              validFrom: iso(at - Math.floor(next() * 48) * hour),
              validTo: iso(at + (1 + Math.floor(next() * 48)) * hour),
            }
          : next() < 0.5
            ? { validFrom: iso(at - 30 * 24 * hour), validTo: iso(at - 24 * hour) }
            : { validFrom: iso(at + 24 * hour), validTo: iso(at + 30 * 24 * hour) };
    if (roll < 0.55) {
      rules.push({
        id,
        name: `Offer ${i}`,
        kind: 'discount',
        appliesTo: { skus: [sku()] },
        percentOff: String(5 + Math.floor(next() * 30)),
        ...window,
      });
    } else if (roll < 0.7) {
      rules.push({
        id,
        name: `Members ${i}`,
        kind: 'discount',
        segments: [pick(['gold', 'vip', 'new'])],
        appliesTo: { categories: [pick(CATEGORIES)] },
        percentOff: String(5 + Math.floor(next() * 15)),
        priority: 1,
        ...window,
      });
    } else if (roll < 0.82) {
      const product = pick(products);
      rules.push({
        id,
        name: `Flash ${i}`,
        kind: 'price',
        appliesTo: { skus: [product.sku] },
        price: (Number(product.price.amount) * 0.7).toFixed(2),
        validFrom: iso(at - Math.floor(next() * 4) * hour),
        validTo: iso(at + (1 + Math.floor(next() * 6)) * hour),
      });
    } else if (roll < 0.9) {
      rules.push({
        id,
        name: `Bulk ${i}`,
        kind: 'tiered',
        appliesTo: { skus: [sku(), sku()] },
        tiers: [
          { minQty: 3, percentOff: '5' },
          { minQty: 6, percentOff: '10' },
        ],
        ...window,
      });
    } else if (roll < 0.97) {
      rules.push({
        id,
        name: `Bundle ${i}`,
        kind: 'mixMatch',
        groups: [
          { skus: [sku()], qty: 1 },
          { skus: [sku()], qty: 1 },
        ],
        percentOff: '15',
        ...window,
      });
    } else if (roll < 0.99) {
      rules.push({
        id,
        name: `Coupon ${i}`,
        kind: 'discount',
        coupon: `SAVE${i}`,
        appliesTo: { categories: [pick(CATEGORIES)] },
        percentOff: '10',
        ...window,
      });
    } else {
      rules.push({
        id,
        name: `Spend and save ${i}`,
        kind: 'threshold',
        minSubtotal: String(100 + Math.floor(next() * 400)),
        amountOff: '10',
        ...window,
      });
    }
  }
  return rules;
}

export function demoCustomers(count: number): Record<string, unknown>[] {
  const segments = [['gold'], ['vip'], ['new'], []];
  return Array.from({ length: count }, (_, i) => ({
    id: `cust-${i}`,
    name: `Customer ${i}`,
    loyaltyCard: String(9_100_000_000 + i),
    phone: `212555${String(i).padStart(4, '0')}`,
    email: `customer${i}@example.com`,
    segments: segments[i % segments.length],
  }));
}

/** Loads a catalog into a terminal through its sync store, as a snapshot from the server would. */
export function loadDemoSnapshot(
  terminal: Terminal,
  data: {
    products: CatalogItem[];
    rules: Record<string, unknown>[];
    customers: Record<string, unknown>[];
    asOf: number;
  },
  pageSize = 1000,
): void {
  const store = terminal.syncStore;
  const info = {
    snapshotId: `bench-${data.asOf}`,
    asOf: data.asOf,
    sections: ['store', 'products', 'rules', 'customers'],
  };
  store.beginSnapshot(info);
  const pages = (section: string, items: Record<string, unknown>[]) => {
    for (let i = 0; i < items.length; i += pageSize) {
      store.applySnapshotPage({ snapshotId: info.snapshotId, section, items: items.slice(i, i + pageSize) });
    }
  };
  pages('store', [{ ...BENCH_STORE }]);
  pages('products', data.products as unknown as Record<string, unknown>[]);
  pages('rules', data.rules);
  pages('customers', data.customers);
  store.commitSnapshot(info);
}
