import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocate,
  CURRENCY_MINOR_UNITS,
  Decimal,
  formatForPeople,
  formatMoney,
  minorUnits,
  parseMoney,
  roundMoney,
  roundToSum,
} from '../src';
import { compare, minorString, moneyString, roundedRatio, toMinor } from '../src/money';

describe('currencies', () => {
  it('knows the minor units of ISO 4217', () => {
    expect(minorUnits('USD')).toBe(2);
    expect(minorUnits('EUR')).toBe(2);
    expect(minorUnits('JPY')).toBe(0);
    expect(minorUnits('KRW')).toBe(0);
    expect(minorUnits('KWD')).toBe(3);
    expect(minorUnits('BHD')).toBe(3);
    expect(minorUnits('CLF')).toBe(4);
    expect(CURRENCY_MINOR_UNITS.size).toBeGreaterThan(150);
    expect(() => minorUnits('XYZ')).toThrow(/unknown currency "XYZ"/);
  });
});

describe('rounding', () => {
  it('rounds half away from zero to the minor unit', () => {
    expect(roundMoney('2.345', 'USD').toFixed(2)).toBe('2.35');
    expect(roundMoney('-2.345', 'USD').toFixed(2)).toBe('-2.35');
    expect(roundMoney('2.3449', 'USD').toFixed(2)).toBe('2.34');
    expect(roundMoney('1234.5', 'JPY').toFixed(0)).toBe('1235');
    expect(roundMoney('1.2345', 'KWD').toFixed(3)).toBe('1.235');
  });

  it('rounds parts so that they add up to the rounded sum, largest remainder first, earlier on a tie', () => {
    const parts = ['3.333', '3.333', '3.334'].map((value) => new Decimal(value));
    expect(roundToSum(parts, 'USD').map(String)).toEqual(['3.33', '3.33', '3.34']);
    const ties = ['0.005', '0.005', '0.005'].map((value) => new Decimal(value));
    // 0.015 rounds to 0.02: two cents go to the first two parts.
    expect(roundToSum(ties, 'USD').map(String)).toEqual(['0.01', '0.01', '0']);
  });

  it('rounds a sum that is exactly on a half up even when its parts repeat', () => {
    const third = new Decimal(1).dividedBy(3);
    // 1/3 + 2/3 + 0.005 = 1.005 exactly → 1.01.
    const parts = [third, third.times(2), new Decimal('0.005')];
    const rounded = roundToSum(parts, 'USD');
    expect(rounded.reduce((sum, part) => sum.plus(part), new Decimal(0)).toFixed(2)).toBe('1.01');
  });
});

describe('rounding to a sum', () => {
  const partArb = fc.oneof(
    fc.integer({ min: 0, max: 10_000_000 }).map((cents) => new Decimal(cents).dividedBy(100)),
    fc.integer({ min: 0, max: 10_000_000 }).map((value) => new Decimal(value).dividedBy(100_000)),
    fc
      .tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 97 }))
      .map(([value, by]) => new Decimal(value).dividedBy(by)),
    fc.bigInt({ min: 0n, max: 10n ** 30n }).map((value) => new Decimal(value.toString()).dividedBy(1000)),
  );

  it('keeps parts already on the grid, adds up to the rounded sum, and moves each part by less than a unit', () => {
    fc.assert(
      fc.property(fc.array(partArb, { maxLength: 12 }), fc.constantFrom('USD', 'JPY', 'KWD'), (parts, currency) => {
        const digits = minorUnits(currency);
        const rounded = roundToSum(parts, currency);
        const exactSum = parts.reduce((sum, part) => sum.plus(part), new Decimal(0));
        const sum = rounded.reduce((total, part) => total.plus(part), new Decimal(0));
        expect(sum.eq(roundMoney(exactSum.toDecimalPlaces(30), currency))).toBe(true);
        parts.forEach((part, index) => {
          const result = rounded[index] as Decimal;
          expect(result.decimalPlaces()).toBeLessThanOrEqual(digits);
          if (part.decimalPlaces() <= digits) expect(result.eq(part)).toBe(true);
          expect(
            result
              .minus(part)
              .abs()
              .lt(new Decimal(1).dividedBy(10 ** digits)),
          ).toBe(true);
        });
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('money as plain numbers', () => {
  const decimalArb = fc.oneof(
    fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }).map((cents) => new Decimal(cents).dividedBy(100)),
    fc
      .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 12 }))
      .map(([value, places]) => new Decimal(value.toString()).dividedBy(new Decimal(10).pow(places))),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e20, max: 1e20 }).map((value) => new Decimal(value)),
  );

  it('compares decimals as decimal.js does', () => {
    fc.assert(
      fc.property(decimalArb, decimalArb, (a, b) => {
        expect(compare(a, b)).toBe(a.comparedTo(b));
        expect(compare(a, a)).toBe(0);
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads an amount as whole minor units exactly when it is on the grid and a number holds it', () => {
    fc.assert(
      fc.property(decimalArb, fc.constantFrom('JPY', 'USD', 'KWD'), (value, currency) => {
        const digits = minorUnits(currency);
        const minor = toMinor(value, digits);
        const scaled = value.times(10 ** digits);
        if (Number.isNaN(minor)) {
          expect(value.decimalPlaces() > digits || scaled.abs().gt(Number.MAX_SAFE_INTEGER)).toBe(true);
        } else {
          expect(new Decimal(minor).eq(scaled)).toBe(true);
          expect(minorString(minor, digits)).toBe(moneyString(value, currency));
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('rounds a ratio of whole numbers half away from zero as decimal.js does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        (cents, numerator, places, included) => {
          const amount = new Decimal(cents).dividedBy(100);
          const rate = new Decimal(numerator).dividedBy(10 ** places);
          const tax = included ? amount.minus(amount.dividedBy(rate.plus(1))) : amount.times(rate);
          const expected = tax.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
          const denominator = included ? 10 ** places + numerator : 10 ** places;
          const rounded = roundedRatio(cents, numerator, denominator);
          if (Number.isNaN(rounded)) expect(Math.abs(cents) * numerator).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
          else expect(new Decimal(rounded).dividedBy(100).eq(expected)).toBe(true);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('allocate', () => {
  it('splits a total by weights with the largest remainder, earlier part first on a tie', () => {
    expect(allocate('10.00', [1, 1, 1], 'USD').map(String)).toEqual(['3.34', '3.33', '3.33']);
    expect(allocate('10.00', ['60', '40'], 'USD').map(String)).toEqual(['6', '4']);
    expect(allocate('-0.05', [1, 1], 'USD').map(String)).toEqual(['-0.03', '-0.02']);
    expect(allocate('100', [0, 0], 'JPY').map(String)).toEqual(['50', '50']);
    expect(() => allocate('1.005', [1], 'USD')).toThrow(/not a whole number/);
  });

  it('always adds up, and each part is within one minor unit of its exact share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 30 }),
        fc.constantFrom('USD', 'JPY', 'KWD'),
        (units, weights, currency) => {
          const total = new Decimal(units).dividedBy(10 ** minorUnits(currency));
          const parts = allocate(total, weights, currency);
          expect(parts.reduce((sum, part) => sum.plus(part), new Decimal(0)).eq(total)).toBe(true);
          const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
          const unit = new Decimal(1).dividedBy(10 ** minorUnits(currency));
          parts.forEach((part, index) => {
            const exact =
              weightSum === 0
                ? total.dividedBy(weights.length)
                : total.times(weights[index] as number).dividedBy(weightSum);
            expect(part.minus(exact).abs().lt(unit)).toBe(true);
            expect(part.decimalPlaces()).toBeLessThanOrEqual(minorUnits(currency));
          });
        },
      ),
    );
  });
});

describe('money as JSON', () => {
  it('formats and parses { amount, currency }', () => {
    expect(formatMoney('19.9', 'USD')).toEqual({ amount: '19.90', currency: 'USD' });
    expect(formatMoney('1200', 'JPY')).toEqual({ amount: '1200', currency: 'JPY' });
    expect(formatMoney('1.25', 'KWD')).toEqual({ amount: '1.250', currency: 'KWD' });
    expect(parseMoney({ amount: '19.90', currency: 'USD' }).toString()).toBe('19.9');
    expect(() => parseMoney({ amount: '19.999', currency: 'USD' })).toThrow(/more digits than USD allows/);
    expect(() => parseMoney({ amount: 19.9 as unknown as string, currency: 'USD' })).toThrow(/decimal string/);
    expect(() => parseMoney({ amount: '1e3', currency: 'USD' })).toThrow(/decimal string/);
    expect(() => parseMoney({ amount: '1', currency: 'usd' })).toThrow(/unknown currency/);
  });

  it('round-trips every amount of every currency', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.constantFrom(...CURRENCY_MINOR_UNITS.keys()),
        (units, currency) => {
          const amount = new Decimal(units.toString()).dividedBy(10 ** minorUnits(currency));
          expect(parseMoney(formatMoney(amount, currency)).eq(amount)).toBe(true);
        },
      ),
    );
  });

  it('writes amounts for people', () => {
    expect(formatForPeople('1234.5', 'USD')).toBe('$1,234.50');
    expect(formatForPeople('12', 'EUR')).toBe('€12.00');
    expect(formatForPeople('1200', 'JPY')).toBe('¥1,200');
    expect(formatForPeople('1.25', 'KWD')).toBe('KWD 1.250');
    expect(formatForPeople('-3', 'GBP')).toBe('−£3.00');
  });
});
