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
