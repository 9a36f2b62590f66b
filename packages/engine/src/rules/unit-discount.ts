import type { Benefit, CompiledRule, CompiledTier } from '../compile';
import { type Decimal, maxDecimal, minDecimal, ZERO } from '../money';

/** amount ≤ 0, without the Decimal that `lte` makes of its argument. */
export function takesNothing(amount: Decimal): boolean {
  return amount.isZero() || amount.isNegative();
}

/**
 * Per-unit rules: `discount` (percent or amount off each unit) and `tiered` (the highest tier
 * reached by the count of eligible units in the cart, on each of them). Each function takes
 * a unit price and proposes how much comes off, as data; none changes anything.
 */

export interface UnitRuleFacts {
  /** Eligible units in the cart per tiered rule (by ordinal). */
  tierCounts: ReadonlyMap<number, number>;
  /** Base-currency amount → cart money. */
  convert: (amount: Decimal) => Decimal;
}

/** The tier a tiered rule reaches with this many eligible units, if any. */
export function tierReached(tiers: readonly CompiledTier[], count: number): CompiledTier | undefined {
  let reached: CompiledTier | undefined;
  for (const tier of tiers) if (count >= tier.minQty) reached = tier;
  return reached;
}

/** The benefit a per-unit rule gives in this cart, or undefined (a tier not reached). */
export function unitBenefit(rule: CompiledRule, facts: UnitRuleFacts): Benefit | undefined {
  if (rule.kind === 'discount') return rule.benefit;
  if (rule.kind === 'tiered') return tierReached(rule.tiers, facts.tierCounts.get(rule.ordinal) ?? 0)?.benefit;
  return undefined;
}

/** Amount off one unit at `price` for a rule taken alone; never more than the price. */
export function amountOff(benefit: Benefit, price: Decimal, convert: (amount: Decimal) => Decimal): Decimal {
  switch (benefit.type) {
    case 'percent':
      return price.times(benefit.fraction);
    case 'amount':
      return minDecimal(convert(benefit.amount), price);
    case 'price':
      return maxDecimal(price.minus(convert(benefit.price)), ZERO);
    case 'free':
      return price;
  }
}

export interface UnitOffer {
  /** What each rule takes off one unit, in the order applied. */
  parts: { rule: CompiledRule; amount: Decimal }[];
  /** Unit price after the offer. */
  price: Decimal;
}

/**
 * The chain of compound rules on a unit: percentages multiply (10 % and 20 % give 28 %),
 * then amounts subtract, never below zero. A tier's fixed price counts as the amount that
 * brings the unit's starting price down to it.
 */
export function compoundOffer(
  rules: readonly CompiledRule[],
  price: Decimal,
  facts: UnitRuleFacts,
): UnitOffer | undefined {
  const benefits = rules
    .map((rule) => ({ rule, benefit: unitBenefit(rule, facts) }))
    .filter((entry): entry is { rule: CompiledRule; benefit: Benefit } => entry.benefit !== undefined);
  if (benefits.length === 0) return undefined;
  const parts: { rule: CompiledRule; amount: Decimal }[] = [];
  let current = price;
  for (const { rule, benefit } of benefits) {
    if (benefit.type !== 'percent') continue;
    const amount = current.times(benefit.fraction);
    if (amount.isZero()) continue;
    parts.push({ rule, amount });
    current = current.minus(amount);
  }
  for (const { rule, benefit } of benefits) {
    if (benefit.type === 'percent') continue;
    const wanted =
      benefit.type === 'price' ? amountOff(benefit, price, facts.convert) : amountOff(benefit, current, facts.convert);
    const amount = minDecimal(wanted, current);
    if (takesNothing(amount)) continue;
    parts.push({ rule, amount });
    current = current.minus(amount);
  }
  return parts.length > 0 ? { parts, price: current } : undefined;
}
