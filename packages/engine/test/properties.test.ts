import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, minorUnits, type PricedCart, priceCart } from '../src';
import { linesArb, pricesArb, productsOf, rulesArb, SKUS } from './support/arbitraries';

const AT = Date.parse('2026-11-22T10:00:00.000Z');
const d = (value: string) => new Decimal(value);
const sum = (values: readonly string[]) => values.reduce((total, value) => total.plus(value), new Decimal(0));

const contextArb = fc.record({
  stacking: fc.constantFrom('withinPriority', 'acrossPriorities') as fc.Arbitrary<
    'withinPriority' | 'acrossPriorities'
  >,
  taxIncluded: fc.boolean(),
  coupons: fc.subarray(['C1', 'C2']),
  shipping: fc.option(
    fc.integer({ min: 0, max: 2_000 }).map((cents) => ({ price: (cents / 100).toFixed(2) })),
    { nil: undefined },
  ),
  currency: fc.constantFrom<{ currency: string; rates?: Record<string, string> }>(
    { currency: 'USD' },
    { currency: 'EUR', rates: { EUR: '0.9213' } },
    { currency: 'JPY', rates: { JPY: '151.37' } },
    { currency: 'KWD', rates: { KWD: '0.3071' } },
  ),
});
const taxRatesArb = fc.tuple(...SKUS.map(() => fc.constantFrom('0', '0.05', '0.08875', '0.2')));

function checkTotals(cart: PricedCart): void {
  const digits = minorUnits(cart.currency);
  const lines = cart.lines;
  expect(sum(lines.map((line) => line.subtotal)).eq(cart.subtotal)).toBe(true);
  expect(sum(lines.map((line) => line.discount)).eq(cart.discount)).toBe(true);
  expect(sum(lines.map((line) => line.tax)).eq(cart.tax)).toBe(true);
  const goods = sum(lines.map((line) => line.total));
  expect(
    goods
      .plus(cart.taxIncluded ? 0 : cart.tax)
      .plus(cart.shipping)
      .eq(cart.total),
  ).toBe(true);
  expect(d(cart.shippingCharge).minus(cart.shippingDiscount).eq(cart.shipping)).toBe(true);
  for (const line of lines) {
    expect(d(line.unitPrice).times(line.qty).eq(line.subtotal)).toBe(true);
    expect(d(line.subtotal).minus(line.discount).eq(line.total)).toBe(true);
    expect(sum(line.discounts.map((part) => part.amount)).eq(line.discount)).toBe(true);
    for (const amount of [line.unitPrice, line.basePrice, line.subtotal, line.discount, line.total, line.tax]) {
      expect(d(amount).gte(0)).toBe(true);
      expect(d(amount).decimalPlaces()).toBeLessThanOrEqual(digits);
    }
    for (const part of line.discounts) expect(d(part.amount).gt(0)).toBe(true);
  }
  for (const amount of [cart.subtotal, cart.discount, cart.tax, cart.shipping, cart.shippingDiscount, cart.total]) {
    expect(d(amount).gte(0)).toBe(true);
  }
}

describe('pricing properties', () => {
  it('totals equal the sum of the lines, and no amount is negative', () => {
    fc.assert(
      fc.property(
        pricesArb,
        taxRatesArb,
        linesArb(12),
        rulesArb(false),
        contextArb,
        (prices, taxRates, lines, rules, context) => {
          const cart = priceCart({
            at: AT,
            products: productsOf(prices, taxRates),
            lines,
            rules,
            stacking: context.stacking,
            taxIncluded: context.taxIncluded,
            coupons: context.coupons,
            shipping: context.shipping,
            ...context.currency,
          });
          checkTotals(cart);
        },
      ),
      { numRuns: 1500 },
    );
  }, 300_000);

  it('adding an item no rule names never changes the other lines', () => {
    fc.assert(
      fc.property(
        pricesArb,
        linesArb(10),
        rulesArb(true),
        contextArb,
        fc.integer({ min: 1, max: 5 }),
        (prices, lines, rules, context, qty) => {
          const products = { ...productsOf(prices), EXTRA: { price: '12.34', category: 'elsewhere' } };
          const base = {
            at: AT,
            products,
            rules,
            stacking: context.stacking,
            coupons: context.coupons,
            shipping: context.shipping,
            ...context.currency,
          };
          const before = priceCart({ ...base, lines });
          const after = priceCart({ ...base, lines: [...lines, { sku: 'EXTRA', qty }] });
          expect(after.lines.slice(0, lines.length)).toEqual(before.lines);
          expect(
            d(after.subtotal)
              .minus(before.subtotal)
              .eq(after.lines[lines.length]?.subtotal as string),
          ).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  }, 300_000);

  it('results do not depend on the order of the lines', () => {
    fc.assert(
      fc.property(
        pricesArb,
        linesArb(12),
        rulesArb(false),
        contextArb,
        fc.infiniteStream(fc.nat()),
        (prices, lines, rules, context, randomness) => {
          const order = lines.map((_, index) => index);
          const draws = randomness.take(order.length);
          let k = order.length;
          for (const draw of draws) {
            k -= 1;
            const j = draw % (k + 1);
            [order[k], order[j]] = [order[j] as number, order[k] as number];
          }
          const base = {
            at: AT,
            products: productsOf(
              prices,
              SKUS.map(() => '0.08875'),
            ),
            rules,
            stacking: context.stacking,
            coupons: context.coupons,
            shipping: context.shipping,
            ...context.currency,
          };
          const straight = priceCart({ ...base, lines });
          const shuffled = priceCart({ ...base, lines: order.map((index) => lines[index] as (typeof lines)[number]) });
          for (const field of ['subtotal', 'discount', 'shipping'] as const) {
            expect(shuffled[field]).toBe(straight[field]);
          }
          expect(d(shuffled.total).minus(shuffled.tax).eq(d(straight.total).minus(straight.tax))).toBe(true);
          // Two lines with equal remainders: the earlier takes the minor unit (FORMAT.md), so a
          // unit may move between them, and with it the rounding of their tax.
          const unit = new Decimal(1).dividedBy(10 ** minorUnits(straight.currency));
          order.forEach((original, position) => {
            const a = d(straight.lines[original]?.total as string);
            const b = d(shuffled.lines[position]?.total as string);
            expect(a.minus(b).abs().lte(unit)).toBe(true);
          });
          expect(d(shuffled.tax).minus(straight.tax).abs().lte(unit.times(lines.length))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  }, 300_000);

  it('converting then pricing stays within the rounding of the reverse path, line by line', () => {
    // Percentage rules only, so that both paths choose the same rules; the difference is then
    // rounding alone: half a minor unit per unit (prices convert per unit), one per line on
    // each side (line rounding), and the final conversion's half unit.
    const percentRules = fc.array(
      fc.record({
        kind: fc.constantFrom('discount', 'threshold'),
        percentOff: fc.integer({ min: 1, max: 90 }).map(String),
        concurrency: fc.constantFrom('bestPrice', 'compound'),
        priority: fc.integer({ min: 0, max: 1 }),
      }),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(
        pricesArb,
        linesArb(12),
        percentRules,
        fc.constantFrom(['EUR', '0.9213'], ['GBP', '0.7911'], ['JPY', '151.37'], ['KWD', '0.3071'], ['CHF', '1.1']),
        (prices, lines, specs, [currency, rate]) => {
          const rules = specs.map((spec, index) => ({
            id: `r${index}`,
            ...spec,
            ...(spec.kind === 'threshold' ? { minSubtotal: '0' } : {}),
          }));
          const products = productsOf(prices);
          const converted = priceCart({ at: AT, products, lines, rules, currency, rates: { [currency]: rate } });
          const inBase = priceCart({ at: AT, products, lines, rules });
          const target = minorUnits(currency);
          const unit = new Decimal(1).dividedBy(10 ** target);
          const r = new Decimal(rate);
          lines.forEach((line, index) => {
            const reverse = d(inBase.lines[index]?.total as string)
              .times(r)
              .toDecimalPlaces(target, Decimal.ROUND_HALF_UP);
            const difference = d(converted.lines[index]?.total as string)
              .minus(reverse)
              .abs();
            const bound = unit.times(0.5 * line.qty + 1.5).plus(r.times('0.01'));
            expect(difference.lte(bound)).toBe(true);
          });
        },
      ),
      { numRuns: 1000 },
    );
  }, 300_000);
});
