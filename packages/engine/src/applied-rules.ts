import type { ResolvedLine } from './cart-lines';
import type { CompiledRule } from './compile';
import { inRuleOrder } from './compile';
import { appliedText, type Words } from './explain';
import type { LineFigures, UnitPrices } from './line-figures';
import { type Decimal, plus, roundToSum, ZERO } from './money';
import type { AppliedDiscount, AppliedRule } from './result';
import type { ShippingOutcome } from './rules/cart-level';

interface RuleTotal {
  amount: Decimal;
  lines: number[];
  /** How many amounts were added up. */
  count: number;
  /** The line's discount, when the rule's whole amount is one line's discount (same words). */
  discount: AppliedDiscount | undefined;
}

export function appliedRules(
  lines: readonly ResolvedLine[],
  prices: UnitPrices,
  figures: readonly LineFigures[],
  shipping: ShippingOutcome,
  shippingDiscount: Decimal,
  say: Words,
  money: (value: Decimal) => string,
): AppliedRule[] {
  const byRule = new Map<CompiledRule, RuleTotal>();
  const rules: CompiledRule[] = [];
  const add = (rule: CompiledRule, amount: Decimal, line?: number, discount?: AppliedDiscount) => {
    const entry = byRule.get(rule);
    if (!entry) {
      byRule.set(rule, { amount: plus(ZERO, amount), lines: line === undefined ? [] : [line], count: 1, discount });
      rules.push(rule);
      return;
    }
    entry.amount = entry.amount.plus(amount);
    entry.count += 1;
    if (line !== undefined && !entry.lines.includes(line)) entry.lines.push(line);
  };
  lines.forEach((line, position) => {
    const rule = prices.rule[position];
    if (rule && prices.base[position] !== prices.unit[position]) {
      const saved = (prices.base[position] as Decimal).minus(prices.unit[position] as Decimal).times(line.qty);
      if (!saved.isZero()) add(rule, saved, line.index);
    }
    const figure = figures[position] as LineFigures;
    if (figure.ruleParts.size === 0) return;
    // The line's discounts are its non-zero rule parts, in the same order.
    let said = 0;
    for (const [partRule, amount] of figure.ruleParts) {
      if (amount.isZero()) continue;
      add(partRule, amount, line.index, figure.discounts[said]);
      said += 1;
    }
  });
  if (!shippingDiscount.isZero()) {
    const parts = roundToSum(
      shipping.parts.map((part) => part.amount),
      say.currency,
      shippingDiscount,
    );
    shipping.parts.forEach((part, at) => {
      add(part.rule, parts[at] as Decimal);
    });
  }
  return inRuleOrder(rules).map((rule) => {
    const entry = byRule.get(rule) as RuleTotal;
    const single = entry.count === 1 ? entry.discount : undefined;
    const amount = single ? single.amount : money(entry.amount);
    const text = single ? single.text : appliedText(rule, say, entry.amount);
    return rule.name
      ? { ruleId: rule.id, kind: rule.kind, name: rule.name, amount, text, lines: entry.lines }
      : { ruleId: rule.id, kind: rule.kind, amount, text, lines: entry.lines };
  });
}
