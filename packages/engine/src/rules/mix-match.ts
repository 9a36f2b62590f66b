import type { DealBenefit } from '../best-deal';
import type { MixMatchBenefit } from '../compile';
import { type Decimal, maxDecimal, minDecimal, ZERO } from '../money';

/** One unit in a set, as the exact step sees it. */
export interface SetUnit {
  price: Decimal;
  /** Whether the deal's benefit goes to this unit (its group is discounted). */
  discounted: boolean;
}

/**
 * The exact discount each unit of one mix-and-match set takes: the set's discount spread
 * over its discounted units in proportion to their prices, except least-expensive-free, which
 * takes the whole price of the cheapest discounted unit (the first of equals).
 * `convert` turns a base-currency amount into cart money.
 */
export function setDiscounts(
  benefit: MixMatchBenefit,
  units: readonly SetUnit[],
  convert: (amount: Decimal) => Decimal,
): Decimal[] {
  const amounts = units.map(() => ZERO);
  const discounted = units.map((unit, index) => ({ unit, index })).filter(({ unit }) => unit.discounted);
  if (discounted.length === 0) return amounts;
  const sum = discounted.reduce((total, { unit }) => total.plus(unit.price), ZERO);
  if (benefit.type === 'leastExpensiveFree') {
    let cheapest = discounted[0] as { unit: SetUnit; index: number };
    for (const entry of discounted) if (entry.unit.price.lt(cheapest.unit.price)) cheapest = entry;
    amounts[cheapest.index] = cheapest.unit.price;
    return amounts;
  }
  if (benefit.type === 'percent') {
    for (const { unit, index } of discounted) amounts[index] = unit.price.times(benefit.fraction);
    return amounts;
  }
  const off =
    benefit.type === 'amount'
      ? minDecimal(convert(benefit.amount), sum)
      : maxDecimal(sum.minus(convert(benefit.price)), ZERO);
  if (off.isZero() || sum.isZero()) return amounts;
  // Proportional shares; the last unit takes what is left, so the shares add up to `off` exactly.
  let left = off;
  discounted.forEach(({ unit, index }, position) => {
    const share = position === discounted.length - 1 ? left : off.times(unit.price).dividedBy(sum);
    amounts[index] = share;
    left = left.minus(share);
  });
  return amounts;
}

/** The deal's benefit as plain numbers, for the search. */
export function searchBenefit(benefit: MixMatchBenefit, convert: (amount: Decimal) => Decimal): DealBenefit {
  switch (benefit.type) {
    case 'percent':
      return { type: 'percent', fraction: benefit.fraction.toNumber() };
    case 'amount':
      return { type: 'amount', amount: convert(benefit.amount).toNumber() };
    case 'dealPrice':
      return { type: 'dealPrice', price: convert(benefit.price).toNumber() };
    case 'leastExpensiveFree':
      return { type: 'leastExpensiveFree' };
  }
}
