import fc from 'fast-check';
import type { RuleInput } from '../../src';
import { Decimal } from '../../src';
import type { BruteRule, BruteScope } from './brute-force';

/** Random small stores: SKUs A–F in categories x, y, z; prices in cents. */
export const SKUS = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
export const CATEGORIES = ['x', 'y', 'z'] as const;
export const categoryOf = (sku: string): string => CATEGORIES[SKUS.indexOf(sku as (typeof SKUS)[number]) % 3] as string;

export const cents = (min: number, max: number) =>
  fc.integer({ min, max }).map((value) => new Decimal(value).dividedBy(100).toFixed(2));

export const pricesArb = fc.tuple(...SKUS.map(() => cents(1, 20_000)));

export function productsOf(prices: readonly string[], taxRates?: readonly string[]) {
  return Object.fromEntries(
    SKUS.map((sku, index) => [
      sku,
      {
        price: prices[index] as string,
        category: categoryOf(sku),
        ...(taxRates ? { taxRate: taxRates[index] as string } : {}),
      },
    ]),
  );
}

export const scopeArb: fc.Arbitrary<BruteScope> = fc.oneof(
  fc.constant({}),
  fc.subarray([...SKUS], { minLength: 1, maxLength: 4 }).map((skus) => ({ skus })),
  fc.subarray([...CATEGORIES], { minLength: 1, maxLength: 2 }).map((categories) => ({ categories })),
);

export const percentArb = fc.integer({ min: 1, max: 100 }).map(String);

export const discountArb = fc.record({
  concurrency: fc.constantFrom('exclusive', 'bestPrice', 'compound') as fc.Arbitrary<
    'exclusive' | 'bestPrice' | 'compound'
  >,
  scope: scopeArb,
  off: fc.oneof(
    percentArb.map((percent) => ({ percentOff: percent })),
    cents(1, 5_000).map((amount) => ({ amountOff: amount })),
  ),
});

export const dealArb = fc.record({
  groups: fc.array(fc.record({ scope: scopeArb, qty: fc.integer({ min: 1, max: 3 }), discounted: fc.boolean() }), {
    minLength: 1,
    maxLength: 2,
  }),
  markGroups: fc.boolean(),
  concurrency: fc.constantFrom('exclusive', 'bestPrice') as fc.Arbitrary<'exclusive' | 'bestPrice'>,
  benefit: fc.oneof(
    cents(1, 30_000).map((price) => ({ dealPrice: price })),
    percentArb.map((percent) => ({ percentOff: percent })),
    cents(1, 10_000).map((amount) => ({ amountOff: amount })),
    fc.constant({ leastExpensiveFree: true as const }),
  ),
  maxApplications: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
});

export type DiscountSpec = typeof discountArb extends fc.Arbitrary<infer T> ? T : never;
export type DealSpec = typeof dealArb extends fc.Arbitrary<infer T> ? T : never;

function scopeJson(scope: BruteScope) {
  return scope.skus || scope.categories ? { appliesTo: scope } : {};
}

export function discountRule(spec: DiscountSpec, id: string, priority = 0): RuleInput {
  return { id, kind: 'discount', concurrency: spec.concurrency, priority, ...scopeJson(spec.scope), ...spec.off };
}

export function dealRule(spec: DealSpec, id: string, priority = 0): RuleInput {
  const marked = spec.markGroups && spec.groups.some((group) => group.discounted);
  return {
    id,
    kind: 'mixMatch',
    concurrency: spec.concurrency,
    priority,
    groups: spec.groups.map((group) => ({
      ...group.scope,
      qty: group.qty,
      ...(marked && group.discounted ? { discounted: true } : {}),
    })),
    ...spec.benefit,
    ...(spec.maxApplications ? { maxApplications: spec.maxApplications } : {}),
  } as RuleInput;
}

export function bruteDiscount(spec: DiscountSpec): BruteRule {
  return {
    kind: 'discount',
    concurrency: spec.concurrency,
    scope: spec.scope,
    ...('percentOff' in spec.off
      ? { percentOff: new Decimal(spec.off.percentOff) }
      : { amountOff: new Decimal(spec.off.amountOff) }),
  };
}

export function bruteDeal(spec: DealSpec): BruteRule {
  const marked = spec.markGroups && spec.groups.some((group) => group.discounted);
  const benefit = spec.benefit;
  return {
    kind: 'mixMatch',
    groups: spec.groups.map((group) => ({
      scope: group.scope,
      qty: group.qty,
      discounted: marked && group.discounted,
    })),
    benefit:
      'dealPrice' in benefit
        ? { type: 'dealPrice', price: new Decimal(benefit.dealPrice) }
        : 'percentOff' in benefit
          ? { type: 'percent', percent: new Decimal(benefit.percentOff) }
          : 'amountOff' in benefit
            ? { type: 'amount', amount: new Decimal(benefit.amountOff) }
            : { type: 'leastExpensiveFree' },
    ...(spec.maxApplications ? { maxApplications: spec.maxApplications } : {}),
  };
}

/** Lines with distinct SKUs and at most `maxUnits` units in all. */
export const linesArb = (maxUnits: number) =>
  fc
    .array(fc.record({ sku: fc.constantFrom(...SKUS), qty: fc.integer({ min: 1, max: 4 }) }), {
      minLength: 1,
      maxLength: 5,
    })
    .map((lines) => {
      const bySku = new Map<string, number>();
      for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.qty);
      const result: { sku: string; qty: number }[] = [];
      let units = 0;
      for (const [sku, qty] of bySku) {
        const take = Math.min(qty, maxUnits - units);
        if (take <= 0) break;
        result.push({ sku, qty: take });
        units += take;
      }
      return result;
    });

const concurrencyArb = fc.constantFrom('exclusive', 'bestPrice', 'compound') as fc.Arbitrary<
  'exclusive' | 'bestPrice' | 'compound'
>;
const offArb = fc.oneof(
  percentArb.map((percent) => ({ percentOff: percent })),
  cents(1, 5_000).map((amount) => ({ amountOff: amount })),
);

/**
 * Any rule of any kind over the SKUs A–F, with priorities, concurrency, coupons. With
 * `scoped`, every rule names its SKUs or categories (no rule applies to everything).
 */
export function anyRuleArb(scoped: boolean): fc.Arbitrary<Record<string, unknown>> {
  const scope = scoped ? scopeArb.filter((value) => Boolean(value.skus || value.categories)) : scopeArb;
  const common = fc.record({
    priority: fc.integer({ min: 0, max: 2 }),
    scope,
    coupon: fc.option(fc.constantFrom('C1', 'C2'), { nil: undefined }),
    stackable: fc.boolean(),
  });
  const kind = fc.oneof(
    fc.record({ kind: fc.constant('price'), price: cents(0, 20_000) }),
    fc.record({ kind: fc.constant('discount'), concurrency: concurrencyArb, off: offArb }),
    fc.record({
      kind: fc.constant('tiered'),
      concurrency: concurrencyArb,
      tiers: fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 3 }).chain((quantities) =>
        fc.tuple(
          ...quantities
            .sort((a, b) => a - b)
            .map((minQty) =>
              fc.oneof(
                percentArb.map((percent) => ({ minQty, percentOff: percent })),
                cents(1, 3_000).map((amount) => ({ minQty, amountOff: amount })),
                cents(0, 10_000).map((price) => ({ minQty, price })),
              ),
            ),
        ),
      ),
    }),
    dealArb.map((deal) => ({ kind: 'deal' as const, deal })),
    fc.record({
      kind: fc.constant('threshold'),
      concurrency: concurrencyArb,
      minSubtotal: cents(0, 50_000),
      off: offArb,
    }),
    fc.record({
      kind: fc.constant('shipping'),
      concurrency: concurrencyArb,
      minSubtotal: cents(0, 50_000),
      off: fc.oneof(offArb, fc.constant({ free: true as const })),
    }),
  );
  return fc.tuple(common, kind).map(([base, spec]) => {
    const extra = {
      priority: base.priority,
      ...(base.scope.skus || base.scope.categories ? { appliesTo: base.scope } : {}),
      ...(base.coupon ? { coupon: base.coupon, stackable: base.stackable } : {}),
    };
    switch (spec.kind) {
      case 'price':
        return { kind: 'price', price: spec.price, ...extra };
      case 'discount':
        return { kind: 'discount', concurrency: spec.concurrency, ...spec.off, ...extra };
      case 'tiered':
        return { kind: 'tiered', concurrency: spec.concurrency, tiers: spec.tiers, ...extra };
      case 'deal': {
        const rule = dealRule(spec.deal, 'x', base.priority) as Record<string, unknown>;
        const groups = (rule.groups as { skus?: string[]; categories?: string[] }[]).map((group) =>
          scoped && !group.skus && !group.categories ? { ...group, ...base.scope } : group,
        );
        return { ...rule, ...extra, groups };
      }
      case 'threshold':
        return {
          kind: 'threshold',
          concurrency: spec.concurrency,
          minSubtotal: spec.minSubtotal,
          ...spec.off,
          ...extra,
        };
      default:
        return {
          kind: 'shipping',
          concurrency: spec.concurrency,
          minSubtotal: spec.minSubtotal,
          ...spec.off,
          ...extra,
        };
    }
  });
}

export const rulesArb = (scoped: boolean, max = 6) =>
  fc
    .array(anyRuleArb(scoped), { maxLength: max })
    .map((rules) => rules.map((rule, index) => ({ ...rule, id: `r${index}` })));
