import type { PricingContext } from './context';
import type { LineFigures } from './line-figures';
import { taxAmount } from './line-figures';
import { type Decimal, minorString, moneyText, toMinor, ZERO } from './money';
import type { PricedCart } from './result';

/** The cart's totals as text, as the priced cart carries them. */
export type CartSums = Pick<
  PricedCart,
  'subtotal' | 'discount' | 'tax' | 'shippingCharge' | 'shippingDiscount' | 'shipping' | 'total'
>;

/**
 * Step 8: the cart's sums. Every amount here is whole minor units, so they are added as plain
 * numbers (exact while they stay within 2^53 minor units); beyond that, in decimals.
 */
export function cartSums(
  subtotals: readonly Decimal[],
  totals: readonly Decimal[],
  figures: readonly LineFigures[],
  charge: Decimal,
  shippingDiscount: Decimal,
  context: PricingContext,
): CartSums {
  const digits = context.minorDigits;
  let subtotal = 0;
  let linesTotal = 0;
  let tax = 0;
  // Every partial sum is within this, so every addition is exact when it is safe.
  let magnitude = 0;
  for (let position = 0; position < totals.length; position += 1) {
    const lineSubtotal = toMinor(subtotals[position] as Decimal, digits);
    const lineTotal = toMinor(totals[position] as Decimal, digits);
    const lineTax = (figures[position] as LineFigures).tax.minor;
    subtotal += lineSubtotal;
    linesTotal += lineTotal;
    tax += lineTax;
    magnitude += Math.abs(lineSubtotal) + Math.abs(lineTotal) + Math.abs(lineTax);
  }
  const chargeMinor = toMinor(charge, digits);
  const discountMinor = toMinor(shippingDiscount, digits);
  magnitude += Math.abs(chargeMinor) + Math.abs(discountMinor);
  if (Number.isSafeInteger(magnitude)) {
    const shipping = chargeMinor - discountMinor;
    return {
      subtotal: minorString(subtotal, digits),
      discount: minorString(subtotal - linesTotal, digits),
      tax: minorString(tax, digits),
      shippingCharge: minorString(chargeMinor, digits),
      shippingDiscount: minorString(discountMinor, digits),
      shipping: minorString(shipping, digits),
      total: minorString(linesTotal + (context.taxIncluded ? 0 : tax) + shipping, digits),
    };
  }
  let subtotalExact = ZERO;
  let linesExact = ZERO;
  let taxExact = ZERO;
  for (let position = 0; position < totals.length; position += 1) {
    subtotalExact = subtotalExact.plus(subtotals[position] as Decimal);
    linesExact = linesExact.plus(totals[position] as Decimal);
    taxExact = taxExact.plus(taxAmount((figures[position] as LineFigures).tax, digits));
  }
  const shipping = charge.minus(shippingDiscount);
  const money = (value: Decimal) => moneyText(value, digits);
  return {
    subtotal: money(subtotalExact),
    discount: money(subtotalExact.minus(linesExact)),
    tax: money(taxExact),
    shippingCharge: money(charge),
    shippingDiscount: money(shippingDiscount),
    shipping: money(shipping),
    total: money(linesExact.plus(context.taxIncluded ? ZERO : taxExact).plus(shipping)),
  };
}
