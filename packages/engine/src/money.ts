import DecimalJs from 'decimal.js';
import { CURRENCY_MINOR_UNITS, CURRENCY_SYMBOLS } from './currencies';

/**
 * The engine's decimal type. Precision is far above what money needs so that exact
 * intermediate values (a discount spread over three units: 6.666…) keep every digit that
 * matters; rounding happens only at the named points below. ROUND_HALF_UP in decimal.js
 * is half away from zero (-2.5 → -3).
 */
export const Decimal = DecimalJs.clone({
  precision: 50,
  rounding: DecimalJs.ROUND_HALF_UP,
  toExpNeg: -100,
  toExpPos: 100,
});
export type Decimal = DecimalJs;
export type DecimalValue = DecimalJs.Value;

/** Money as JSON carries it: a decimal string and an ISO 4217 code. */
export interface Money {
  amount: string;
  currency: string;
}

/**
 * Digits kept when an exact amount is summed before rounding. Exact amounts terminate well
 * within this (prices and percentages have few decimals); only spreads such as 20/3 repeat,
 * and their 80-digit tails must not tip a sum that is exactly on a half.
 */
const EXACT_PLACES = 30;

export const ZERO = new Decimal(0);
/** One minor unit for 0 to 4 digits: 1, 0.1, 0.01, 0.001, 0.0001. */
const MINOR_UNIT: readonly Decimal[] = [0, 1, 2, 3, 4].map((digits) => new Decimal(1).dividedBy(10 ** digits));
export const ONE = new Decimal(1);
export const HUNDRED = new Decimal(100);

export function isCurrency(code: unknown): code is string {
  return typeof code === 'string' && CURRENCY_MINOR_UNITS.has(code);
}

/** Minor units of an ISO 4217 currency: USD 2, JPY 0, KWD 3. Throws for an unknown code. */
export function minorUnits(currency: string): number {
  const digits = CURRENCY_MINOR_UNITS.get(currency);
  if (digits === undefined) throw new RangeError(`unknown currency "${currency}" (expected an ISO 4217 code)`);
  return digits;
}

export function dec(value: DecimalValue): Decimal {
  return value instanceof Decimal ? value : new Decimal(value);
}

export function minDecimal(a: Decimal, b: Decimal): Decimal {
  return a.lt(b) ? a : b;
}

export function maxDecimal(a: Decimal, b: Decimal): Decimal {
  return a.gt(b) ? a : b;
}

/** Half away from zero, to the currency's minor unit. The one rounding rule of the engine. */
export function roundMoney(value: DecimalValue, currency: string): Decimal {
  return dec(value).toDecimalPlaces(minorUnits(currency), Decimal.ROUND_HALF_UP);
}

/** Drops the noise of repeating decimals (see EXACT_PLACES); exact amounts are unchanged. */
export function settle(value: Decimal): Decimal {
  return value.decimalPlaces() > EXACT_PLACES ? value.toDecimalPlaces(EXACT_PLACES, Decimal.ROUND_HALF_UP) : value;
}

/** The amount as a string with exactly the currency's minor digits: "19.90", "1200", "1.250". */
export function moneyString(value: Decimal, currency: string): string {
  const digits = minorUnits(currency);
  if (value.decimalPlaces() > digits) return value.toFixed(digits, Decimal.ROUND_HALF_UP);
  // Already on the grid: pad the plain digits, cheaper than toFixed's rounding copy.
  const text = value.toString();
  if (digits === 0) return text === '-0' ? '0' : text;
  const point = text.indexOf('.');
  if (point < 0) return `${text}.${'0'.repeat(digits)}`;
  return text.padEnd(point + 1 + digits, '0');
}

export function formatMoney(value: DecimalValue, currency: string): Money {
  return { amount: moneyString(dec(value), currency), currency };
}

const DECIMAL_STRING = /^-?\d+(\.\d+)?$/;

/** Reads `{ amount, currency }`; refuses floats, exponents, unknown currencies and excess digits. */
export function parseMoney(money: Money): Decimal {
  if (!isCurrency(money?.currency)) throw new RangeError(`unknown currency "${money?.currency}"`);
  if (typeof money.amount !== 'string' || !DECIMAL_STRING.test(money.amount)) {
    throw new RangeError(`amount must be a decimal string such as "19.99", got ${JSON.stringify(money.amount)}`);
  }
  const value = new Decimal(money.amount);
  if (value.decimalPlaces() > minorUnits(money.currency)) {
    throw new RangeError(
      `${money.amount} has more digits than ${money.currency} allows (${minorUnits(money.currency)})`,
    );
  }
  return value;
}

/**
 * Rounds parts so that they add up to `target` minor units exactly (largest remainder):
 * each part is rounded down, then the missing minor units go to the parts with the largest
 * remainders, earlier part first on a tie. Without a target, the target is the exact sum
 * rounded half away from zero. Works on non-negative parts (the engine's amounts).
 */
export function roundToSum(parts: readonly Decimal[], currency: string, target?: Decimal): Decimal[] {
  const digits = minorUnits(currency);
  let onGrid = true;
  let rawSum = ZERO;
  for (const part of parts) {
    rawSum = rawSum.plus(part);
    if (onGrid && part.decimalPlaces() > digits) onGrid = false;
  }
  // Every part already whole minor units (most carts): nothing to round.
  if (onGrid && (target === undefined || rawSum.eq(target))) return parts.slice();
  if (parts.length === 1 && target !== undefined) return [target];
  // The target from the sum of the unsettled parts: settling each part first could move a sum
  // that is exactly on a half (218.265) to just below it.
  const goal = target ?? roundMoney(settle(rawSum), currency);
  const unit = MINOR_UNIT[digits] ?? new Decimal(1).dividedBy(10 ** digits);
  const result: Decimal[] = new Array(parts.length);
  const fractional: { remainder: Decimal; index: number }[] = [];
  let floorSum = ZERO;
  parts.forEach((raw, index) => {
    const part = settle(raw);
    if (part.decimalPlaces() <= digits) {
      result[index] = part;
      floorSum = floorSum.plus(part);
      return;
    }
    const floor = part.toDecimalPlaces(digits, Decimal.ROUND_FLOOR);
    result[index] = floor;
    floorSum = floorSum.plus(floor);
    fractional.push({ remainder: part.minus(floor), index });
  });
  let missing = goal.minus(floorSum).dividedBy(unit).toNumber();
  fractional.sort((a, b) => b.remainder.comparedTo(a.remainder) || a.index - b.index);
  // Largest remainders first; a caller's target beyond the rounded sum goes round all parts.
  const order = [...fractional.map((entry) => entry.index), ...parts.keys()];
  for (let k = 0; missing > 0 && order.length > 0; k = (k + 1) % order.length) {
    const index = order[k] as number;
    result[index] = (result[index] as Decimal).plus(unit);
    missing -= 1;
  }
  // A target below the floors (a caller's own total): take from the smallest remainders.
  const reverse = [...parts.keys()].reverse();
  while (missing < 0) {
    let took = false;
    for (const index of [...fractional.map((entry) => entry.index)].reverse().concat(reverse)) {
      if (missing === 0) break;
      if ((result[index] as Decimal).gte(unit)) {
        result[index] = (result[index] as Decimal).minus(unit);
        missing += 1;
        took = true;
      }
    }
    if (!took) throw new RangeError('cannot reach a negative target with non-negative parts');
  }
  return result;
}

/**
 * Splits `total` (already a whole number of minor units) over `weights` so that the parts
 * add up to it exactly: largest remainder, earlier part first on a tie. Zero weights
 * everywhere split evenly. A negative total splits like its absolute value, negated.
 */
export function allocate(total: DecimalValue, weights: readonly DecimalValue[], currency: string): Decimal[] {
  const amount = dec(total);
  if (weights.length === 0) {
    if (!amount.isZero()) throw new RangeError('cannot allocate a non-zero total over no weights');
    return [];
  }
  const rounded = roundMoney(amount, currency);
  if (!rounded.eq(amount))
    throw new RangeError(`${amount.toString()} is not a whole number of ${currency} minor units`);
  const values = weights.map((weight) => {
    const value = dec(weight);
    if (value.isNegative()) throw new RangeError('weights must not be negative');
    return value;
  });
  const sum = values.reduce((acc, value) => acc.plus(value), ZERO);
  const shares = sum.isZero() ? values.map(() => ONE) : values;
  const shareSum = sum.isZero() ? new Decimal(values.length) : sum;
  const magnitude = amount.abs();
  const parts = shares.map((share) => magnitude.times(share).dividedBy(shareSum));
  const result = roundToSum(parts, currency, magnitude);
  return amount.isNegative() ? result.map((part) => part.negated()) : result;
}

/** "$1,234.50", "€12.00", "¥1,200", "KWD 1.250": amounts in words for receipts and screens. */
export function formatForPeople(value: DecimalValue, currency: string): string {
  const fixed = moneyString(dec(value), currency);
  const negative = fixed.startsWith('-');
  const [whole = '0', fraction] = (negative ? fixed.slice(1) : fixed).split('.');
  const grouped = whole.length > 3 ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : whole;
  const symbol = CURRENCY_SYMBOLS[currency] ?? `${currency} `;
  return `${negative ? '−' : ''}${symbol}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** A percentage for people: "40%", "12.5%". */
export function formatPercent(value: DecimalValue): string {
  return `${dec(value).toString()}%`;
}
