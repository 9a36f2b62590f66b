import type { ResolvedLine } from './cart-lines';
import type { CompiledRule } from './compile';
import type { PricingContext } from './context';
import { appliedText, title, type Words } from './explain';
import {
  compare,
  Decimal,
  fromMinor,
  minorString,
  moneyText,
  plus,
  roundedRatio,
  roundToSum,
  toMinor,
  ZERO,
} from './money';
import type { AppliedDiscount, PriceAdjustment } from './result';
import type { ThresholdOutcome } from './rules/cart-level';

/**
 * A line's figures once the cart is rounded: its discount parts (rounded to add up to the
 * line's discount), its tax, and the text of each amount. A session keeps the figures of
 * lines that nothing cart-wide touched.
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
  /** Each rule's rounded part, adding up to subtotal − total (the non-zero `ruleParts`, in their order). */
  discounts: AppliedDiscount[];
  ruleParts: ReadonlyMap<CompiledRule, Decimal>;
  /** The line's tax (see `taxAmount`). */
  tax: LineTax;
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
): LineFigures {
  const digits = context.minorDigits;
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
    for (const part of thresholdParts ?? []) parts.set(part.rule, plus(parts.get(part.rule) ?? ZERO, part.amount));
    const rules = [...parts.keys()];
    const roundedParts = roundToSum([...parts.values()], context.currency, subtotal.minus(total));
    const byRule = new Map<CompiledRule, Decimal>();
    rules.forEach((partRule, at) => {
      const amount = roundedParts[at] as Decimal;
      byRule.set(partRule, amount);
      if (amount.isZero()) return;
      const text = moneyText(amount, digits);
      const said = appliedText(partRule, say, amount);
      discounts.push(
        partRule.name
          ? { ruleId: partRule.id, kind: partRule.kind, name: partRule.name, amount: text, text: said }
          : { ruleId: partRule.id, kind: partRule.kind, amount: text, text: said },
      );
    });
    ruleParts = byRule;
  }
  const tax = lineTax(line, total, context);
  const zero = moneyText(ZERO, digits);
  const unitText = unit === line.product.price ? productPriceText(line, digits) : moneyText(unit, digits);
  const subtotalText = subtotal === unit ? unitText : moneyText(subtotal, digits);
  const discounted = total !== subtotal && compare(total, subtotal) !== 0;
  const baseText = base === unit ? unitText : moneyText(base, digits);
  return {
    discounts,
    ruleParts,
    tax,
    adjustment: rule && compare(unit, base) !== 0 ? adjustmentOf(rule, baseText, unitText, say) : undefined,
    texts: {
      base: baseText,
      unit: unitText,
      subtotal: subtotalText,
      discount: discounted ? moneyText(subtotal.minus(total), digits) : zero,
      total: discounted ? moneyText(total, digits) : subtotalText,
      tax: tax.text,
      taxRate: line.source.taxRateText,
    },
  };
}

function adjustmentOf(rule: CompiledRule, from: string, to: string, say: Words): PriceAdjustment {
  const kind = rule.kind as 'price' | 'priceList';
  const text = `${title(rule, say)}: ${to} instead of ${from}`;
  return rule.name
    ? { ruleId: rule.id, kind, name: rule.name, from, to, text }
    : { ruleId: rule.id, kind, from, to, text };
}

/** The product's own price as money text, written once per product. */
function productPriceText(line: ResolvedLine, digits: number): string {
  const texts = line.source.priceTexts;
  let text = texts[digits];
  if (text === undefined) {
    text = moneyText(line.product.price, digits);
    texts[digits] = text;
  }
  return text;
}

/** Figures shared between results of a session are read-only, so no caller can change another's. */
export function frozen(figures: LineFigures): LineFigures {
  for (const discount of figures.discounts) Object.freeze(discount);
  Object.freeze(figures.discounts);
  if (figures.adjustment) Object.freeze(figures.adjustment);
  Object.freeze(figures.texts);
  Object.freeze(figures.tax);
  return Object.freeze(figures);
}

/** A line's tax: in whole minor units when a number holds it exactly, else as a decimal. */
export interface LineTax {
  minor: number;
  exact: Decimal | undefined;
  text: string;
}

/** The tax as a decimal. */
export function taxAmount(tax: LineTax, digits: number): Decimal {
  return tax.exact ?? fromMinor(tax.minor, digits);
}

/** Step 6: tax of a line. Excluded: amount × rate. Included: amount − amount / (1 + rate). Rounded. */
export function lineTax(line: ResolvedLine, amount: Decimal, context: PricingContext): LineTax {
  const digits = context.minorDigits;
  const rate = line.product.taxRate;
  if (rate.isZero() || amount.isZero()) return { minor: 0, exact: undefined, text: moneyText(ZERO, digits) };
  // In minor units as numbers when exact: amount × n / 10^k, or amount × n / (10^k + n) included.
  const ratio = line.source.taxRatio;
  const minor = ratio ? toMinor(amount, digits) : Number.NaN;
  if (ratio && !Number.isNaN(minor)) {
    const denominator = context.taxIncluded ? ratio.scale + ratio.numerator : ratio.scale;
    const rounded = roundedRatio(minor, ratio.numerator, denominator);
    if (!Number.isNaN(rounded)) return { minor: rounded, exact: undefined, text: minorString(rounded, digits) };
  }
  const exact = context.taxIncluded ? amount.minus(amount.dividedBy(rate.plus(1))) : amount.times(rate);
  const tax = exact.toDecimalPlaces(digits, Decimal.ROUND_HALF_UP);
  return { minor: toMinor(tax, digits), exact: tax, text: moneyText(tax, digits) };
}
