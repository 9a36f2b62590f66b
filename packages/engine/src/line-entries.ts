import type { ResolvedLine } from './cart-lines';
import type { CompiledRule } from './compile';
import type { ConditionCache } from './conditions';
import { type PricingContext, toCartMoney } from './context';
import type { LineFigures } from './line-figures';
import { compare, type Decimal, plus, timesQty, ZERO } from './money';
import { chooseUnitPrice } from './rules/price';
import type { UnitRuleFacts } from './rules/unit-discount';
import type { SessionMemo } from './session-memo';
import { priceAlone } from './stacking';

/**
 * Each line priced up to the cart-wide steps (steps 2 and 3 of the pipeline when the line can
 * be priced alone), and the figures last worked out for it: what a session keeps per line.
 */

/** Entries kept per product (a line's quantity, or the rules in force, may go back and forth). */
const ENTRIES_PER_PRODUCT = 4;

/**
 * One line priced up to the cart-wide steps: its unit prices and, when no mix-and-match rule
 * is in force on it, the outcome of its line rules. It depends only on the product, the
 * quantity, the price and line rules in force and the tier counts of the tiered ones (the
 * customer, currency and stacking are fixed for a session), so a session reuses it while those
 * are the same.
 */
export interface LineEntry {
  readonly qty: number;
  readonly prices: readonly CompiledRule[];
  readonly rules: readonly CompiledRule[];
  /** Units in the cart of each tiered rule among `rules`, in their order. */
  readonly tiers: readonly number[];
  readonly base: Decimal;
  readonly unit: Decimal;
  readonly subtotal: Decimal;
  readonly priceRule: CompiledRule | undefined;
  /** After line rules, for a line priced alone; undefined for one priced with others. */
  readonly alone: { amount: Decimal; parts: Map<CompiledRule, Decimal> | undefined } | undefined;
  /** The line's last figures (a session's), with what they were worked out from besides the entry. */
  figures: KeptFigures | undefined;
}

interface KeptFigures {
  figures: LineFigures;
  total: Decimal;
  lineParts: ReadonlyMap<CompiledRule, Decimal> | undefined;
  thresholdParts: readonly { rule: CompiledRule; amount: Decimal }[] | undefined;
}

export const NO_RULES: readonly CompiledRule[] = [];
const NO_TIERS: readonly number[] = [];

/** The line's entry: the session's, when it was priced from the same facts, or a new one (kept). */
export function lineEntry(
  line: ResolvedLine,
  rules: readonly CompiledRule[],
  conditions: ConditionCache,
  facts: UnitRuleFacts,
  context: PricingContext,
  memo: SessionMemo | undefined,
): LineEntry {
  const prices = line.prices.length === 0 ? NO_RULES : conditions.inForceOf(line.prices);
  // The same line at the same place as in the last price: its entry then, if the facts hold.
  const slot = memo?.slotEntries[line.index];
  if (slot && memo?.slotLines[line.index] === line && holds(slot, line, prices, rules, facts)) return slot;
  const kept = memo?.lines;
  const known = kept?.get(line.source);
  if (known) for (const entry of known) if (holds(entry, line, prices, rules, facts)) return entry;
  const entry = priceLine(line, prices, rules, conditions, facts, context);
  if (kept) {
    const list = known ?? [];
    if (list.length >= ENTRIES_PER_PRODUCT) list.pop();
    list.unshift(entry);
    if (!known) kept.set(line.source, list);
  }
  return entry;
}

/** Whether an entry was priced from these facts. */
function holds(
  entry: LineEntry,
  line: ResolvedLine,
  prices: readonly CompiledRule[],
  rules: readonly CompiledRule[],
  facts: UnitRuleFacts,
): boolean {
  return (
    entry.qty === line.qty &&
    sameRules(entry.prices, prices) &&
    sameRules(entry.rules, rules) &&
    sameTiers(entry, facts.tierCounts)
  );
}

function sameRules(a: readonly CompiledRule[], b: readonly CompiledRule[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let at = 0; at < a.length; at += 1) if (a[at] !== b[at]) return false;
  return true;
}

function sameTiers(entry: LineEntry, tierCounts: ReadonlyMap<number, number>): boolean {
  let at = 0;
  for (const rule of entry.rules) {
    if (rule.kind !== 'tiered') continue;
    if (entry.tiers[at] !== (tierCounts.get(rule.ordinal) ?? 0)) return false;
    at += 1;
  }
  return true;
}

/** Steps 2 and 3 for one line: unit prices, then its line rules when it can be priced alone. */
function priceLine(
  line: ResolvedLine,
  prices: readonly CompiledRule[],
  rules: readonly CompiledRule[],
  conditions: ConditionCache,
  facts: UnitRuleFacts,
  context: PricingContext,
): LineEntry {
  const base = toCartMoney(context, line.product.price);
  const choice = prices.length > 0 ? chooseUnitPrice(line.product, prices, conditions) : undefined;
  const unit = choice?.rule ? toCartMoney(context, choice.price) : base;
  const subtotal = timesQty(unit, line.qty);
  let tiers = NO_TIERS;
  let alone: LineEntry['alone'];
  if (rules.length === 0) alone = { amount: subtotal, parts: undefined };
  else if (!rules.some((rule) => rule.kind === 'mixMatch')) {
    const outcome = priceAlone(rules, unit, context.stacking, facts);
    let parts: Map<CompiledRule, Decimal> | undefined;
    for (const part of outcome.discounts) {
      parts ??= new Map();
      parts.set(part.rule, plus(parts.get(part.rule) ?? ZERO, timesQty(part.amount, line.qty)));
    }
    alone = { amount: timesQty(outcome.price, line.qty), parts };
  }
  if (rules.some((rule) => rule.kind === 'tiered')) {
    tiers = rules.flatMap((rule) => (rule.kind === 'tiered' ? [facts.tierCounts.get(rule.ordinal) ?? 0] : []));
  }
  return {
    qty: line.qty,
    prices,
    rules,
    tiers,
    base,
    unit,
    subtotal,
    priceRule: choice?.rule,
    alone,
    figures: undefined,
  };
}

/** The line's figures last worked out, when they were from this total and these rule parts. */
export function keptFigures(
  entry: LineEntry,
  total: Decimal,
  lineParts: ReadonlyMap<CompiledRule, Decimal> | undefined,
  thresholdParts: readonly { rule: CompiledRule; amount: Decimal }[] | undefined,
): LineFigures | undefined {
  const known = entry.figures;
  return known &&
    compare(known.total, total) === 0 &&
    sameParts(known.lineParts, lineParts) &&
    sameThresholdParts(known.thresholdParts, thresholdParts)
    ? known.figures
    : undefined;
}

function sameParts(
  a: ReadonlyMap<CompiledRule, Decimal> | undefined,
  b: ReadonlyMap<CompiledRule, Decimal> | undefined,
): boolean {
  if (a === b) return true;
  if (!a || !b || a.size !== b.size) return false;
  const others = b.entries();
  for (const [rule, amount] of a) {
    const [otherRule, otherAmount] = others.next().value as [CompiledRule, Decimal];
    if (rule !== otherRule || compare(amount, otherAmount) !== 0) return false;
  }
  return true;
}

function sameThresholdParts(
  a: readonly { rule: CompiledRule; amount: Decimal }[] | undefined,
  b: readonly { rule: CompiledRule; amount: Decimal }[] | undefined,
): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((part, at) => part.rule === b[at]?.rule && compare(part.amount, (b[at] as typeof part).amount) === 0);
}
