import type { ResolvedLine } from './cart-lines';
import type { CompiledRule } from './compile';
import type { PricingContext } from './context';
import { appliedText, title, type Words } from './explain';
import { type Decimal, roundMoney, roundToSum, ZERO } from './money';
import type { AppliedDiscount, PriceAdjustment } from './result';
import type { ThresholdOutcome } from './rules/cart-level';

/**
 * A line's figures once the cart is rounded: its discount parts (rounded to add up to the
 * line's discount), its tax, and the text of each amount. A session keeps the figures of
 * lines that nothing cart-wide touched, by `figuresKey`.
 */

export interface UnitPrices {
  base: Decimal[];
  unit: Decimal[];
  /** qty × unit. */
  subtotal: Decimal[];
  rule: (CompiledRule | undefined)[];
}

export interface LineAmounts {
  /** Exact amount of each line after line rules. */
  amounts: Decimal[];
  /** Exact amount per rule taken off each line, in the order applied (none: undefined). */
  parts: (Map<CompiledRule, Decimal> | undefined)[];
}

const NO_PARTS: ReadonlyMap<CompiledRule, Decimal> = new Map();

/** One line's figures once its total is rounded: discount parts, tax, and the texts of it all. */
export interface LineFigures {
  /** Each rule's rounded part, adding up to subtotal − total. */
  discounts: AppliedDiscount[];
  ruleParts: ReadonlyMap<CompiledRule, Decimal>;
  tax: Decimal;
  adjustment: PriceAdjustment | undefined;
  texts: {
    base: string;
    unit: string;
    subtotal: string;
    discount: string;
    total: string;
    tax: string;
    taxRate: string;
  };
}

export function lineFigures(
  line: ResolvedLine,
  position: number,
  prices: UnitPrices,
  afterLineRules: LineAmounts,
  thresholds: ThresholdOutcome,
  total: Decimal,
  context: PricingContext,
  say: Words,
  money: (value: Decimal) => string,
): LineFigures {
  const subtotal = prices.subtotal[position] as Decimal;
  const base = prices.base[position] as Decimal;
  const unit = prices.unit[position] as Decimal;
  const rule = prices.rule[position];
  const lineParts = afterLineRules.parts[position];
  const thresholdParts = thresholds.parts.get(line.index);
  let ruleParts = NO_PARTS;
  const discounts: AppliedDiscount[] = [];
  if (lineParts || thresholdParts) {
    const parts = new Map(lineParts);
    for (const part of thresholdParts ?? []) parts.set(part.rule, (parts.get(part.rule) ?? ZERO).plus(part.amount));
    const rules = [...parts.keys()];
    const roundedParts = roundToSum([...parts.values()], context.currency, subtotal.minus(total));
    const byRule = new Map<CompiledRule, Decimal>();
    rules.forEach((partRule, at) => {
      const amount = roundedParts[at] as Decimal;
      byRule.set(partRule, amount);
      if (amount.isZero()) return;
      discounts.push({
        ruleId: partRule.id,
        kind: partRule.kind,
        ...(partRule.name ? { name: partRule.name } : {}),
        amount: money(amount),
        text: appliedText(partRule, say, amount),
      });
    });
    ruleParts = byRule;
  }
  const tax = lineTax(total, line.product.taxRate, context);
  const zero = money(ZERO);
  const unitText = money(unit);
  const subtotalText = money(subtotal);
  const discounted = !total.eq(subtotal);
  return {
    discounts,
    ruleParts,
    tax,
    adjustment:
      rule && !unit.eq(base)
        ? {
            ruleId: rule.id,
            kind: rule.kind as 'price' | 'priceList',
            ...(rule.name ? { name: rule.name } : {}),
            from: money(base),
            to: unitText,
            text: `${title(rule, say)}: ${unitText} instead of ${money(base)}`,
          }
        : undefined,
    texts: {
      base: base === unit ? unitText : money(base),
      unit: unitText,
      subtotal: subtotalText,
      discount: discounted ? money(subtotal.minus(total)) : zero,
      total: discounted ? money(total) : subtotalText,
      tax: tax.isZero() ? zero : money(tax),
      taxRate: line.product.taxRate.toString(),
    },
  };
}

/** Figures shared between results of a session are read-only, so no caller can change another's. */
export function frozen(figures: LineFigures): LineFigures {
  for (const discount of figures.discounts) Object.freeze(discount);
  Object.freeze(figures.discounts);
  if (figures.adjustment) Object.freeze(figures.adjustment);
  Object.freeze(figures.texts);
  return Object.freeze(figures);
}

/** What a line priced alone and untouched cart-wide depends on (the session's constants aside). */
export function figuresKey(
  line: ResolvedLine,
  position: number,
  prices: UnitPrices,
  rules: readonly CompiledRule[],
  tierCounts: ReadonlyMap<number, number>,
): string {
  const base = prices.base[position] as Decimal;
  const unit = prices.unit[position] as Decimal;
  const original = line.product.price;
  let key = `${line.sku}|${line.qty}|${unit === original ? '=' : unit.toString()}|${base === original ? '=' : base.toString()}|${prices.rule[position]?.ordinal ?? ''}|`;
  for (const rule of rules) {
    key += `${rule.ordinal}${rule.kind === 'tiered' ? `:${tierCounts.get(rule.ordinal) ?? 0}` : ''},`;
  }
  return key;
}

/** Step 6: tax of a line. Excluded: amount × rate. Included: amount − amount / (1 + rate). Rounded. */
export function lineTax(amount: Decimal, rate: Decimal, context: PricingContext): Decimal {
  if (rate.isZero() || amount.isZero()) return ZERO;
  const tax = context.taxIncluded ? amount.minus(amount.dividedBy(rate.plus(1))) : amount.times(rate);
  return roundMoney(tax, context.currency);
}
