import type { Deal, DealType } from '../src';

/** The bench case: 10 deals over 30 units of 12 SKUs in overlapping groups. */
export function tenDealsOverThirtyUnits(): { types: DealType[]; deals: Deal[] } {
  const prices = [19.99, 24.5, 9.99, 12, 35, 7.25, 15, 42, 5.5, 28, 11.75, 60];
  const counts = [3, 2, 4, 3, 2, 3, 2, 2, 3, 2, 2, 2];
  const types: DealType[] = prices.map((price, index) => ({
    count: counts[index] as number,
    price,
    standalone: index % 3 === 0 ? price * 0.9 : price,
  }));
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
  const deals: Deal[] = [
    {
      groups: [{ qty: 2, eligible: range(0, 6), discounted: false }],
      benefit: { type: 'leastExpensiveFree' },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 3, eligible: range(0, 12), discounted: false }],
      benefit: { type: 'dealPrice', price: 50 },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 2, eligible: range(4, 10), discounted: false }],
      benefit: { type: 'percent', fraction: 0.3 },
      maxApplications: Infinity,
    },
    {
      groups: [
        { qty: 1, eligible: [7, 11], discounted: false },
        { qty: 1, eligible: range(0, 4), discounted: true },
      ],
      benefit: { type: 'percent', fraction: 1 },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 2, eligible: range(6, 12), discounted: false }],
      benefit: { type: 'amount', amount: 15 },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 3, eligible: range(2, 9), discounted: false }],
      benefit: { type: 'leastExpensiveFree' },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 2, eligible: [0, 3, 6, 9], discounted: false }],
      benefit: { type: 'dealPrice', price: 30 },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 4, eligible: range(0, 12), discounted: false }],
      benefit: { type: 'percent', fraction: 0.25 },
      maxApplications: 2,
    },
    {
      groups: [
        { qty: 1, eligible: [4, 7], discounted: false },
        { qty: 2, eligible: [2, 5, 8], discounted: true },
      ],
      benefit: { type: 'percent', fraction: 0.5 },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 2, eligible: [1, 10, 11], discounted: false }],
      benefit: { type: 'amount', amount: 20 },
      maxApplications: Infinity,
    },
  ];
  return { types, deals };
}

/** A deterministic pseudo-random sequence (mulberry32), so every run prices the same store. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Store {
  products: Record<string, { price: string; category: string; taxRate: string }>;
  skus: string[];
  categories: string[];
}

/** A store of `size` products in `categoryCount` categories (10,000 in 400 by default). */
export function benchStore(size = 10_000, categoryCount = 400): Store {
  const random = seeded(42);
  const categories = Array.from({ length: categoryCount }, (_, index) => `cat${index}`);
  const skus = Array.from({ length: size }, (_, index) => `SKU${String(index).padStart(6, '0')}`);
  const products: Store['products'] = {};
  for (const sku of skus) {
    products[sku] = {
      price: (1 + random() * 199).toFixed(2),
      category: categories[Math.floor(random() * categories.length)] as string,
      taxRate: '0.08875',
    };
  }
  return { products, skus, categories };
}

/**
 * `count` active rules, as a real store has them: most name a few SKUs or a category, so a
 * given cart meets only a handful. A mix of kinds, windows, recurrences, segments and coupons.
 */
export function benchRules(store: Store, count: number, at: number): Record<string, unknown>[] {
  const random = seeded(count);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const skus = (n: number) => Array.from({ length: n }, () => pick(store.skus));
  const rules: Record<string, unknown>[] = [];
  for (let index = 0; index < count; index += 1) {
    const id = `rule${index}`;
    const roll = random();
    const window =
      random() < 0.3
        ? { validFrom: new Date(at - 86_400_000).toISOString(), validTo: new Date(at + 86_400_000).toISOString() }
        : random() < 0.07
          ? { recurrence: { rrule: 'FREQ=DAILY', start: '00:00', durationMinutes: 1440 } }
          : {};
    const priority = Math.floor(random() * 3);
    const concurrency = pick(['exclusive', 'bestPrice', 'compound']);
    if (roll < 0.5) {
      rules.push({
        id,
        kind: 'discount',
        priority,
        concurrency,
        appliesTo: { skus: skus(2) },
        percentOff: String(5 + Math.floor(random() * 30)),
        ...window,
      });
    } else if (roll < 0.62) {
      rules.push({
        id,
        kind: 'price',
        appliesTo: { skus: skus(1) },
        price: (1 + random() * 100).toFixed(2),
        ...window,
      });
    } else if (roll < 0.7) {
      rules.push({
        id,
        kind: 'tiered',
        priority,
        concurrency,
        appliesTo: { skus: skus(3) },
        tiers: [
          { minQty: 2, percentOff: '5' },
          { minQty: 5, percentOff: '10' },
        ],
        ...window,
      });
    } else if (roll < 0.76) {
      rules.push({
        id,
        kind: 'mixMatch',
        priority,
        concurrency: pick(['exclusive', 'bestPrice']),
        groups: [{ skus: skus(4), qty: 2 }],
        leastExpensiveFree: true,
        ...window,
      });
    } else if (roll < 0.86) {
      rules.push({
        id,
        kind: 'discount',
        priority,
        concurrency,
        appliesTo: { categories: [pick(store.categories)] },
        amountOff: '1.00',
        ...window,
      });
    } else if (roll < 0.91) {
      rules.push({
        id,
        kind: 'discount',
        segments: ['vip'],
        appliesTo: { categories: [pick(store.categories)] },
        percentOff: '10',
        ...window,
      });
    } else if (roll < 0.95) {
      rules.push({
        id,
        kind: 'discount',
        coupon: `CODE${index}`,
        appliesTo: { skus: skus(5) },
        percentOff: '15',
        ...window,
      });
    } else if (roll < 0.98) {
      rules.push({
        id,
        kind: 'threshold',
        appliesTo: { categories: [pick(store.categories)] },
        minSubtotal: '50.00',
        amountOff: '5.00',
        ...window,
      });
    } else {
      rules.push({
        id,
        kind: 'shipping',
        appliesTo: { categories: [pick(store.categories)] },
        minSubtotal: '75.00',
        free: true,
        ...window,
      });
    }
  }
  return rules;
}

/** A cart of `size` lines of distinct SKUs, 1–3 units each. */
export function benchCart(store: Store, size: number, seed = 7): { sku: string; qty: number }[] {
  const random = seeded(seed);
  const chosen = new Set<string>();
  while (chosen.size < size) chosen.add(store.skus[Math.floor(random() * store.skus.length)] as string);
  return [...chosen].map((sku) => ({ sku, qty: 1 + Math.floor(random() * 3) }));
}
