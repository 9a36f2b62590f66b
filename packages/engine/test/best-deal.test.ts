import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tenDealsOverThirtyUnits } from '../bench/cases';
import { bestDeal, type Deal, type DealType, Decimal, priceCart, roundMoney, setCost } from '../src';
import {
  bruteDeal,
  bruteDiscount,
  categoryOf,
  dealArb,
  dealRule,
  discountArb,
  discountRule,
  linesArb,
  pricesArb,
  productsOf,
} from './support/arbitraries';
import { type BruteUnit, bruteForceTotal } from './support/brute-force';

const AT = Date.UTC(2026, 10, 22, 10);

describe('best deal', () => {
  it('equals a brute-force search on small carts (≤ 8 units, ≤ 4 deals) and beats every single rule', () => {
    fc.assert(
      fc.property(
        pricesArb,
        linesArb(8),
        fc.array(dealArb, { minLength: 1, maxLength: 4 }),
        fc.array(discountArb, { maxLength: 3 }),
        (prices, lines, deals, discounts) => {
          const products = productsOf(prices);
          const rules = [
            ...deals.map((deal, index) => dealRule(deal, `deal${index}`)),
            ...discounts.map((discount, index) => discountRule(discount, `off${index}`)),
          ];
          const cart = priceCart({ at: AT, lines, products, rules });
          const units: BruteUnit[] = lines.flatMap((line) =>
            Array.from({ length: line.qty }, () => ({
              sku: line.sku,
              category: categoryOf(line.sku),
              price: new Decimal(products[line.sku]?.price as string),
            })),
          );
          const brute = bruteForceTotal(units, [...deals.map(bruteDeal), ...discounts.map(bruteDiscount)]);
          expect(cart.approximate).toBe(false);
          expect(cart.total).toBe(roundMoney(brute, 'USD').toFixed(2));
          for (const rule of rules) {
            const alone = priceCart({ at: AT, lines, products, rules: [rule] });
            expect(new Decimal(cart.total).lte(alone.total)).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  }, 300_000);

  it('picks B1G1 on the dear units and the percentage on the cheap one, not greedily', () => {
    // Greedy on the biggest single saving would put the mouse in a B1G1 set with a keyboard.
    const cart = priceCart({
      at: AT,
      lines: [
        { sku: 'KB', qty: 2 },
        { sku: 'MS', qty: 1 },
      ],
      products: { KB: { price: '20.00' }, MS: { price: '10.00' } },
      rules: [
        { id: 'forty', kind: 'discount', concurrency: 'exclusive', percentOff: '40' },
        { id: 'b1g1', kind: 'mixMatch', groups: [{ qty: 2 }], leastExpensiveFree: true },
      ],
    });
    expect(cart.total).toBe('26.00');
    expect(cart.lines.map((line) => line.total)).toEqual(['20.00', '6.00']);
  });

  it('solves 10 competing deals over 12 units exactly, as an exhaustive search confirms', () => {
    const { types, deals } = tenDealsOverThirtyUnits();
    const single = types.map((type) => ({ ...type, count: 1 }));
    const solution = bestDeal(single, deals);
    expect(solution.exact).toBe(true);
    expect(solution.saving).toBeCloseTo(exhaustiveSaving(single, deals), 9);
  });

  it('proves its answer for 10 competing deals over 30 units, whatever the order of the deals', () => {
    const { types, deals } = tenDealsOverThirtyUnits();
    const solution = bestDeal(types, deals);
    expect(solution.exact).toBe(true);
    const reversed = bestDeal(types, [...deals].reverse());
    expect(reversed.exact).toBe(true);
    expect(reversed.saving).toBeCloseTo(solution.saving, 9);
    // The sets it returns are real: they fit the units and add up to the saving claimed.
    const left = types.map((type) => type.count);
    let saving = 0;
    for (const application of solution.applications) {
      const deal = deals[application.deal] as Deal;
      expect(application.slots.length).toBe(deal.groups.reduce((sum, group) => sum + group.qty, 0));
      for (const slot of application.slots) {
        expect(deal.groups[slot.group]?.eligible).toContain(slot.type);
        left[slot.type] = (left[slot.type] as number) - 1;
      }
      const marked = deal.groups.some((group) => group.discounted);
      const price = (slot: { type: number }) => (types[slot.type] as DealType).price;
      const discounted = application.slots.filter((slot) => !marked || deal.groups[slot.group]?.discounted).map(price);
      const others = application.slots.filter((slot) => marked && !deal.groups[slot.group]?.discounted).map(price);
      const standalone = application.slots.reduce((sum, slot) => sum + (types[slot.type] as DealType).standalone, 0);
      saving += standalone - setCost(deal.benefit, discounted, others);
    }
    expect(left.every((count) => count >= 0)).toBe(true);
    expect(saving).toBeCloseTo(solution.saving, 9);
  });

  it('stops at its size limit with the best found and says the result is approximate', () => {
    const { types, deals } = tenDealsOverThirtyUnits();
    const limited = bestDeal(types, deals, { nodes: 5, patterns: 20_000 });
    expect(limited.exact).toBe(false);
    expect(limited.saving).toBeGreaterThan(0);
    expect(limited.saving).toBeLessThanOrEqual(bestDeal(types, deals).saving + 1e-9);
  });

  it('flags a priced cart as approximate beyond the size limit, and still discounts it', () => {
    // "Any 6 of 40 SKUs for $50" has millions of possible sets: far beyond any real cart.
    const skus = Array.from({ length: 40 }, (_, index) => `S${index}`);
    const products = Object.fromEntries(
      skus.map((sku, index) => [sku, { price: (5 + ((index * 37) % 90) + index / 100).toFixed(2), category: 'c' }]),
    );
    const rules = [{ id: 'six', kind: 'mixMatch', groups: [{ categories: ['c'], qty: 6 }], dealPrice: '50' }];
    const cart = priceCart({ at: AT, lines: skus.map((sku) => ({ sku, qty: 1 })), products, rules });
    expect(cart.approximate).toBe(true);
    expect(new Decimal(cart.total).lt(cart.subtotal)).toBe(true);
  });
});

/**
 * Exhaustive search without bounds or pruning: a separate, slow implementation of the same
 * question (memoised on the remaining counts, deals taken in order, any number of sets each).
 */
function exhaustiveSaving(types: readonly DealType[], deals: readonly Deal[]): number {
  const patternsOf = (deal: Deal): { usage: number[]; saving: number }[] => {
    const found: { usage: number[]; saving: number }[] = [];
    const marked = deal.groups.some((group) => group.discounted);
    const slots: { type: number; group: number }[] = [];
    const usage = types.map(() => 0);
    const visit = (group: number, left: number, min: number) => {
      if (group === deal.groups.length) {
        const discounted = slots.filter((slot) => !marked || deal.groups[slot.group]?.discounted);
        const others = slots.filter((slot) => !discounted.includes(slot));
        const price = (slot: { type: number }) => (types[slot.type] as DealType).price;
        const sum = discounted.reduce((total, slot) => total + price(slot), 0);
        const benefit = deal.benefit;
        const cost =
          others.reduce((total, slot) => total + price(slot), 0) +
          (benefit.type === 'percent'
            ? sum * (1 - benefit.fraction)
            : benefit.type === 'amount'
              ? Math.max(0, sum - benefit.amount)
              : benefit.type === 'dealPrice'
                ? Math.min(sum, benefit.price)
                : sum - Math.min(...discounted.map(price)));
        const standalone = slots.reduce((total, slot) => total + (types[slot.type] as DealType).standalone, 0);
        found.push({ usage: usage.slice(), saving: standalone - cost });
        return;
      }
      const g = deal.groups[group] as Deal['groups'][number];
      if (left === 0) {
        visit(group + 1, deal.groups[group + 1]?.qty ?? 0, 0);
        return;
      }
      for (let position = min; position < g.eligible.length; position += 1) {
        const type = g.eligible[position] as number;
        if ((usage[type] as number) >= (types[type] as DealType).count) continue;
        usage[type] = (usage[type] as number) + 1;
        slots.push({ type, group });
        visit(group, left - 1, position);
        slots.pop();
        usage[type] = (usage[type] as number) - 1;
      }
    };
    visit(0, deal.groups[0]?.qty ?? 0, 0);
    return found.filter((pattern) => pattern.saving > 0);
  };
  const patterns = deals.map(patternsOf);
  const memo = new Map<string, number>();
  const best = (d: number, remaining: number[], applied: number): number => {
    if (d === deals.length) return 0;
    const key = `${d}|${applied}|${remaining.join(',')}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let value = best(d + 1, remaining, 0);
    if (applied < (deals[d] as Deal).maxApplications) {
      for (const pattern of patterns[d] as { usage: number[]; saving: number }[]) {
        if (pattern.usage.some((count, type) => count > (remaining[type] as number))) continue;
        const next = remaining.map((count, type) => count - (pattern.usage[type] as number));
        value = Math.max(value, pattern.saving + best(d, next, applied + 1));
      }
    }
    memo.set(key, value);
    return value;
  };
  return best(
    0,
    types.map((type) => type.count),
    0,
  );
}
