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
  return compare(a, b) < 0 ? a : b;
}

export function maxDecimal(a: Decimal, b: Decimal): Decimal {
  return compare(a, b) > 0 ? a : b;
}

/**
 * −1, 0 or 1 as a is below, equal to or above b: `a.comparedTo(b)` without the copy of `b`
 * that decimal.js makes first (pricing compares on every line). Reads the documented,
 * read-only `d` (base 1e7 words), `e` (exponent) and `s` (sign) of finite values.
 */
export function compare(a: Decimal, b: Decimal): number {
  const ad = a.d;
  const bd = b.d;
  if (!ad || !bd) return a.comparedTo(b);
  const as = a.s;
  const bs = b.s;
  if (!ad[0] || !bd[0]) return ad[0] ? as : bd[0] ? -bs : 0;
  if (as !== bs) return as;
  if (a.e !== b.e) return a.e > b.e === as > 0 ? 1 : -1;
  const length = Math.min(ad.length, bd.length);
  for (let i = 0; i < length; i += 1) {
    if (ad[i] !== bd[i]) return (ad[i] as number) > (bd[i] as number) === as > 0 ? 1 : -1;
  }
  return ad.length === bd.length ? 0 : ad.length > bd.length === as > 0 ? 1 : -1;
}

/**
 * Whether decimal.js would hand back this value unchanged from an operation that leaves it
 * as it is (x + 0, x × 1): at most 49 significant digits, within the precision of 50. Only
 * values parsed from long strings have more.
 */
function withinPrecision(value: Decimal): boolean {
  return value.d !== undefined && value.d.length <= 7;
}

/** a + b, without a new Decimal when either is zero (most lines have no discount). */
export function plus(a: Decimal, b: Decimal): Decimal {
  if (b.isZero() && withinPrecision(a)) return a;
  if (a.isZero() && withinPrecision(b)) return b;
  return a.plus(b);
}

/** a − b, without a new Decimal when b is zero. */
export function minus(a: Decimal, b: Decimal): Decimal {
  // 0 − 0 is +0 in decimal.js whatever the signs: leave zeros to it.
  return b.isZero() && !a.isZero() && withinPrecision(a) ? a : a.minus(b);
}

/** A unit amount times a quantity, without a new Decimal for a single unit. */
export function timesQty(unit: Decimal, qty: number): Decimal {
  return qty === 1 && withinPrecision(unit) ? unit : unit.times(qty);
}

/** 10^0 … 10^15, all exact as numbers. */
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, power) => 10 ** power);

/**
 * The amount in whole minor units as a plain number (19.99 USD → 1999), or NaN when it is not
 * a whole number of them or too large for a number to hold exactly. Sums of such numbers are
 * exact, which spares a Decimal per addition when lines are added up.
 */
export function toMinor(value: Decimal, digits: number): number {
  const words = value.d;
  if (!words || digits > 7) return Number.NaN;
  // decimal.js keeps base 1e7 words aligned on the decimal point: word i is worth 10^(7(top − i)).
  const top = Math.floor(value.e / 7);
  let minor = 0;
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] as number;
    const power = (top - i) * 7 + digits;
    if (word === 0) continue;
    if (power >= 0) {
      const scale = POWERS_OF_TEN[power];
      if (scale === undefined) return Number.NaN;
      minor += word * scale;
    } else {
      const divisor = POWERS_OF_TEN[-power];
      if (divisor === undefined || word % divisor !== 0) return Number.NaN;
      minor += word / divisor;
    }
  }
  if (!Number.isSafeInteger(minor)) return Number.NaN;
  return value.s < 0 ? -minor : minor;
}

/** moneyString of an amount given in whole minor units (a safe integer). */
export function minorString(minor: number, digits: number): string {
  if (digits === 0) return minor === 0 ? '0' : String(minor);
  const magnitude = Math.abs(minor);
  const unit = POWERS_OF_TEN[digits] as number;
  const whole = Math.floor(magnitude / unit);
  const fraction = String(magnitude - whole * unit).padStart(digits, '0');
  return `${minor < 0 ? '-' : ''}${whole}.${fraction}`;
}

/**
 * amount × numerator / denominator rounded half away from zero, all safe integers (the amount
 * in minor units): exactly what decimal.js gives for the same division rounded to minor units.
 * NaN when the product would not be exact as a number.
 */
export function roundedRatio(amount: number, numerator: number, denominator: number): number {
  const product = Math.abs(amount) * numerator;
  if (!Number.isSafeInteger(product) || !Number.isSafeInteger(denominator) || denominator <= 0) return Number.NaN;
  // The float quotient can be off by one next to an integer: the remainder puts it right.
  let quotient = Math.floor(product / denominator);
  let remainder = product - quotient * denominator;
  if (remainder < 0) {
    quotient -= 1;
    remainder += denominator;
  } else if (remainder >= denominator) {
    quotient += 1;
    remainder -= denominator;
  }
  if (remainder * 2 >= denominator) quotient += 1;
  return amount < 0 ? -quotient : quotient;
}

/** A Decimal worth `minor` minor units. */
export function fromMinor(minor: number, digits: number): Decimal {
  return minor === 0 ? ZERO : new Decimal(minorString(minor, digits));
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
  return moneyText(value, minorUnits(currency));
}

/** "0.00", "0", "0.000", ... by minor digits. */
const ZERO_TEXTS = [0, 1, 2, 3, 4].map((digits) => (digits === 0 ? '0' : `0.${'0'.repeat(digits)}`));

/** moneyString for a currency with `digits` minor digits. */
export function moneyText(value: Decimal, digits: number): string {
  if (value.decimalPlaces() > digits) return value.toFixed(digits, Decimal.ROUND_HALF_UP);
  if (value.isZero()) return ZERO_TEXTS[digits] ?? value.toFixed(digits);
  // Already on the grid: pad the plain digits, cheaper than toFixed's rounding copy.
  const text = value.toString();
  if (digits === 0) return text;
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
  // One part and a target: the part is the target.
  if (parts.length === 1 && target !== undefined) return [target];
  // One pass: the parts that are whole minor units a number holds exactly are added up as
  // numbers; the others (off the grid, or huge) are listed.
  let gridMinor = 0;
  // Every partial sum is within this: while it is safe, each addition is exact.
  let gridMagnitude = 0;
  const others: number[] = [];
  let onGrid = true;
  let places = digits;
  let top = 0;
  parts.forEach((part, index) => {
    if (!part.isZero()) top = Math.max(top, part.e + 1);
    const minor = toMinor(part, digits);
    if (!Number.isNaN(minor) && Number.isSafeInteger(gridMagnitude + Math.abs(minor))) {
      gridMinor += minor;
      gridMagnitude += Math.abs(minor);
      return;
    }
    others.push(index);
    const partPlaces = part.decimalPlaces();
    places = Math.max(places, partPlaces);
    if (partPlaces > digits) onGrid = false;
  });
  // Every part already whole minor units (most carts): nothing to round.
  if (onGrid && target === undefined) return parts.slice();
  const rawSum = sumOf(parts, others, gridMinor, digits, top + Math.ceil(Math.log10(parts.length + 1)) + places < 50);
  if (onGrid && rawSum.eq(target as Decimal)) return parts.slice();
  // The target from the sum of the unsettled parts: settling each part first could move a sum
  // that is exactly on a half (218.265) to just below it.
  const goal = target ?? roundMoney(settle(rawSum), currency);
  const unit = MINOR_UNIT[digits] ?? new Decimal(1).dividedBy(10 ** digits);
  // Parts on the grid stay as they are (settling and flooring leave them); the others are
  // settled and floored, and remember what the floor left off.
  const result = parts.slice();
  const fractional: { remainder: Decimal; index: number }[] = [];
  let floorMinor = gridMinor;
  for (const index of others) {
    const part = settle(parts[index] as Decimal);
    let floor = part;
    if (part.decimalPlaces() > digits) {
      floor = part.toDecimalPlaces(digits, Decimal.ROUND_FLOOR);
      fractional.push({ remainder: part.minus(floor), index });
    }
    result[index] = floor;
    floorMinor += toMinor(floor, digits);
  }
  const goalMinor = toMinor(goal, digits);
  let missing =
    Number.isSafeInteger(floorMinor) && Number.isSafeInteger(goalMinor - floorMinor)
      ? goalMinor - floorMinor
      : goal
          .minus(result.reduce((sum, floor) => sum.plus(floor), ZERO))
          .dividedBy(unit)
          .toNumber();
  fractional.sort((a, b) => compare(b.remainder, a.remainder) || a.index - b.index);
  // Largest remainders first; a caller's target beyond the rounded sum goes round all parts.
  if (missing > 0) {
    const order = [...fractional.map((entry) => entry.index), ...parts.keys()];
    for (let k = 0; missing > 0 && order.length > 0; k = (k + 1) % order.length) {
      const index = order[k] as number;
      result[index] = (result[index] as Decimal).plus(unit);
      missing -= 1;
    }
  }
  // A target below the floors (a caller's own total): take from the smallest remainders.
  const reverse = missing < 0 ? [...parts.keys()].reverse() : [];
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
 * The parts added up as decimal.js adds them one after the other. When no partial sum can
 * need more digits than the precision (`exact`), every addition is exact and the order is
 * free: the sum of the parts on the grid (`gridMinor`, in minor units) and the others, as
 * decimals, are added last.
 */
function sumOf(
  parts: readonly Decimal[],
  others: readonly number[],
  gridMinor: number,
  digits: number,
  exact: boolean,
): Decimal {
  if (exact && Number.isSafeInteger(gridMinor)) {
    let rest: Decimal | undefined;
    for (const index of others) rest = rest ? rest.plus(parts[index] as Decimal) : (parts[index] as Decimal);
    const whole = fromMinor(gridMinor, digits);
    return rest ? rest.plus(whole) : whole;
  }
  let sum = ZERO;
  for (const part of parts) sum = sum.plus(part);
  return sum;
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
