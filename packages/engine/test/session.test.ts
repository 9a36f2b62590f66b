import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Catalog, indexRules, PricingSession, priceCart } from '../src';
import { linesArb, pricesArb, productsOf, rulesArb, SKUS } from './support/arbitraries';

const AT = Date.parse('2026-11-22T10:00:00.000Z');

describe('PricingSession', () => {
  it('prices every scan exactly as a fresh priceCart would, as time moves', () => {
    fc.assert(
      fc.property(
        pricesArb,
        fc.array(linesArb(6), { minLength: 2, maxLength: 6 }),
        rulesArb(false, 8),
        fc.array(fc.integer({ min: 0, max: 7_200_000 }), { minLength: 6, maxLength: 6 }),
        (prices, scans, rules, steps) => {
          const timed = rules.map((rule, index) =>
            index % 3 === 0 ? { ...rule, validTo: new Date(AT + 3_600_000).toISOString() } : rule,
          );
          const products = new Catalog(productsOf(prices));
          const index = indexRules(timed);
          const options = { products, rules: index, coupons: ['C1'], shipping: { price: '4.99' } };
          const session = new PricingSession(options);
          let at = AT;
          scans.forEach((lines, step) => {
            at += steps[step] ?? 0;
            expect(session.price(at, lines)).toEqual(priceCart({ ...options, at, lines }));
          });
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);

  it('prices carts whose lines repeat, change quantity, go and come back exactly as priceCart would', () => {
    const anyLines = fc.array(fc.record({ sku: fc.constantFrom(...SKUS), qty: fc.integer({ min: 1, max: 5 }) }), {
      minLength: 1,
      maxLength: 7,
    });
    fc.assert(
      fc.property(
        pricesArb,
        fc.array(anyLines, { minLength: 2, maxLength: 6 }),
        rulesArb(false, 8),
        fc.array(fc.integer({ min: 0, max: 90_000_000 }), { minLength: 6, maxLength: 6 }),
        (prices, carts, rules, steps) => {
          const windowed = rules.map((rule, index) =>
            index % 3 === 1
              ? { ...rule, recurrence: { rrule: 'FREQ=DAILY', start: '11:30', durationMinutes: 90 } }
              : rule,
          );
          const products = new Catalog(productsOf(prices));
          const options = { products, rules: indexRules(windowed), coupons: ['C2'], shipping: { price: '6.50' } };
          const session = new PricingSession(options);
          let at = AT;
          carts.forEach((lines, step) => {
            at += steps[step] ?? 0;
            expect(session.price(at, lines)).toEqual(priceCart({ ...options, at, lines }));
          });
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);

  it('switches a flash price on its millisecond, with no message at that moment', () => {
    const session = new PricingSession({
      products: { TOY: { price: '30.00' } },
      rules: [
        {
          id: 'flash',
          kind: 'price',
          price: '19.99',
          validFrom: '2026-11-22T10:00:00.000Z',
          validTo: '2026-11-22T10:30:00.000Z',
        },
      ],
    });
    const lines = [{ sku: 'TOY', qty: 1 }];
    const before = session.price(AT - 1, lines);
    expect(before.total).toBe('30.00');
    expect(before.validUntil).toBe(AT);
    expect(session.price(AT, lines).total).toBe('19.99');
    expect(session.price(AT + 1_799_999, lines).total).toBe('19.99');
    expect(session.price(AT + 1_800_000, lines).total).toBe('30.00');
  });

  it('hands out results that cannot change each other', () => {
    const session = new PricingSession({
      products: { A: { price: '10.00' } },
      rules: [{ id: 'ten', kind: 'discount', percentOff: '10' }],
    });
    const first = session.price(AT, [{ sku: 'A', qty: 1 }]);
    const discounts = first.lines[0]?.discounts ?? [];
    expect(discounts).toHaveLength(1);
    expect(Object.isFrozen(discounts)).toBe(true);
    expect(() => {
      (discounts as { amount: string }[]).push({ amount: '1' });
    }).toThrow(TypeError);
    expect(session.price(AT + 1, [{ sku: 'A', qty: 1 }]).lines[0]?.discounts).toHaveLength(1);
  });
});
