import Decimal from 'decimal.js';
import { TerminalError } from './errors';
import { minorUnits } from './format';

/** Tender arithmetic at the till: decimal.js, amounts as strings with the cart's minor units. */

export function toFixed(value: Decimal.Value, currency: string): string {
  return new Decimal(value).toDecimalPlaces(minorUnits(currency), Decimal.ROUND_HALF_UP).toFixed(minorUnits(currency));
}

/** A cashier-entered amount ("20", "20.5", "20.50"): positive, at most the currency's minor units. */
export function parseAmount(input: string, currency: string, field = 'amount'): Decimal {
  const text = input.trim();
  if (!/^\d{1,12}(\.\d+)?$/.test(text)) {
    throw new TerminalError('TENDER_INVALID', `${field}: "${input}" is not an amount (write it like 20 or 20.50).`);
  }
  const amount = new Decimal(text);
  const digits = minorUnits(currency);
  if (amount.decimalPlaces() > digits) {
    throw new TerminalError(
      'TENDER_INVALID',
      `${field}: ${currency} amounts have ${digits === 0 ? 'no decimals' : `at most ${digits} decimals`}.`,
    );
  }
  return amount;
}

export function sum(values: readonly Decimal.Value[]): Decimal {
  return values.reduce<Decimal>((acc, v) => acc.plus(v), new Decimal(0));
}

/** Splits `total` over `weights` so the parts add up exactly (largest remainder, earlier first on ties). */
export function allocate(total: Decimal.Value, weights: readonly Decimal.Value[], currency: string): string[] {
  const digits = minorUnits(currency);
  const unit = new Decimal(10).pow(-digits);
  const whole = new Decimal(total);
  const weightSum = sum(weights);
  if (weightSum.isZero()) return weights.map(() => toFixed(0, currency));
  const exact = weights.map((w) => whole.times(w).dividedBy(weightSum));
  const floors = exact.map((e) => e.toDecimalPlaces(digits, Decimal.ROUND_DOWN));
  let remaining = whole.minus(sum(floors)).dividedBy(unit).round().toNumber();
  const order = exact
    .map((e, i) => ({ i, remainder: e.minus(floors[i] ?? 0) }))
    .sort((a, b) => b.remainder.comparedTo(a.remainder) || a.i - b.i);
  for (const { i } of order) {
    if (remaining <= 0) break;
    floors[i] = (floors[i] ?? new Decimal(0)).plus(unit);
    remaining--;
  }
  return floors.map((f) => f.toFixed(digits));
}
