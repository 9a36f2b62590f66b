import { type CartLine, type ProductRulesCache, type ResolvedLine, resolveLines } from './cart-lines';
import type { CompiledRule } from './compile';
import { ConditionCache, type ConditionFacts } from './conditions';
import { type PricingContext, toCartMoney } from './context';
import { describeCoupons } from './coupons';
import { appliedText, type Words } from './explain';
import { figuresKey, frozen, type LineAmounts, type LineFigures, lineFigures, type UnitPrices } from './line-figures';
import { Decimal, moneyString, roundMoney, roundToSum, ZERO } from './money';
import { findNearMisses } from './near-misses';
import type { AppliedRule, NearMiss, PricedCart, PricedLine } from './result';
import type { RuleIndex } from './rule-index';
import {
  applyShipping,
  applyThresholds,
  type CartLevelLine,
  type ShippingOutcome,
  type ThresholdOutcome,
} from './rules/cart-level';
import { chooseUnitPrice } from './rules/price';
import { applyLineRules, type LineRuleMemo, type LineRuleOutcome } from './stacking';
import { ValidationError } from './validate';

/**
 * Pricing a cart, as one named, ordered pipeline (each step a function of what the steps
 * before it produced; nothing is changed in place):
 *
 *   1. lines        — products and the rules that can apply to them (index lookups)
 *   2. unit prices  — base price, price lists, adjustments; converted and rounded per unit
 *   3. line rules   — discount, tiered, mixMatch by priority, best deal within each
 *   4. thresholds   — cart rules on the lines' amounts after line rules, spread over lines
 *   5. rounding     — line amounts rounded so that they add up to the rounded cart amount
 *   6. tax          — per line rate, included or excluded
 *   7. shipping     — the charge, then shipping rules on it
 *   8. totals       — and explanations: what applied, what nearly did
 *
 * Coupons that may not be combined are tried one at a time and the cheapest outcome kept.
 */

export interface PricingRequest {
  index: RuleIndex;
  products: ProductRulesCache;
  context: PricingContext;
  at: number;
  lines: readonly CartLine[];
  /** What a session keeps between prices of one checkout. */
  memo?: SessionMemo;
}

export function runPricing(request: PricingRequest): PricedCart {
  if (!Number.isSafeInteger(request.at)) {
    throw new ValidationError('invalid pricing', [
      { path: 'at', segments: ['at'], message: `must be whole epoch milliseconds, got ${JSON.stringify(request.at)}` },
    ]);
  }
  const lines = resolveLines(request.lines, request.products);
  const entered = request.context.coupons;
  const solo = entered.filter((code) => request.index.soloCoupons.has(code));
  const alternatives =
    solo.length === 0 ? [entered] : [entered.filter((code) => !solo.includes(code)), ...solo.map((code) => [code])];
  let best: { cart: PricedCart; codes: readonly string[] } | undefined;
  for (const codes of alternatives) {
    const cart = priceWithCoupons(request, lines, codes);
    if (!best || new Decimal(cart.total).lt(best.cart.total)) best = { cart, codes };
  }
  const chosen = best as { cart: PricedCart; codes: readonly string[] };
  chosen.cart.explanations.coupons = describeCoupons(request, lines, chosen.cart, chosen.codes, words(request.context));
  return chosen.cart;
}

/** What a session keeps between prices: line-rule outcomes, and rule titles in its currency. */
export interface SessionMemo {
  lineRules: LineRuleMemo;
  titles: Map<CompiledRule, string>;
  /** Figures of lines untouched cart-wide, by figuresKey. */
  figures: Map<string, LineFigures>;
}

export function createSessionMemo(): SessionMemo {
  return { lineRules: { deals: new Map(), alone: new Map() }, titles: new Map(), figures: new Map() };
}

function words(context: PricingContext, titles = new Map<CompiledRule, string>()): Words {
  return { currency: context.currency, convert: (amount) => toCartMoney(context, amount), titles };
}

const NO_RULES: readonly CompiledRule[] = [];
const NO_THRESHOLDS: ThresholdOutcome = { parts: new Map(), total: ZERO, applied: [], shortfalls: [] };

function priceWithCoupons(
  request: PricingRequest,
  lines: readonly ResolvedLine[],
  codes: readonly string[],
): PricedCart {
  const { context, index } = request;
  const facts: ConditionFacts = {
    at: request.at,
    timeZone: context.timeZone,
    zones: index.zones,
    storeId: context.storeId,
    channel: context.channel,
    segments: context.segments,
    coupons: new Set(codes),
  };
  const conditions = new ConditionCache(facts);
  const convert = (amount: Decimal) => toCartMoney(context, amount);
  const say = words(context, request.memo?.titles);

  // 2. unit prices
  const prices = unitPrices(lines, conditions, context);
  // 3. line rules (only lines with a line rule in force take part)
  const lineRulesInForce = lines.map((line) =>
    line.lineRules.length === 0 ? NO_RULES : line.lineRules.filter((rule) => conditions.inForce(rule)),
  );
  const tierCounts = countTierUnits(lines, lineRulesInForce);
  const lineOutcome = applyLineRules(
    lines.flatMap((line, position) =>
      (lineRulesInForce[position] as CompiledRule[]).length === 0
        ? []
        : [
            {
              index: line.index,
              product: line.product,
              qty: line.qty,
              unitPrice: prices.unit[position] as Decimal,
              rules: lineRulesInForce[position] as CompiledRule[],
            },
          ],
    ),
    context.stacking,
    { tierCounts, convert },
    request.memo?.lineRules,
  );
  const afterLineRules = summariseLots(lines, prices, lineOutcome);
  // 4. thresholds
  const thresholdRules = uniqueInForce(lines, (line) => line.thresholds, conditions);
  const thresholds =
    thresholdRules.length === 0
      ? NO_THRESHOLDS
      : applyThresholds(cartLevelLines(lines, afterLineRules.amounts), thresholdRules, convert);
  // 5. rounding, 6. tax (and each line's figures as text)
  const money = (value: Decimal) => moneyString(value, context.currency);
  const exact = lines.map((line, position) => {
    let amount = afterLineRules.amounts[position] as Decimal;
    for (const part of thresholds.parts.get(line.index) ?? []) amount = amount.minus(part.amount);
    return amount;
  });
  const totals = roundToSum(exact, context.currency);
  const cache = request.memo?.figures;
  const figures = lines.map((line, position) => {
    // A line that nothing cart-wide touched (no set, no threshold, nothing to round) has the
    // same figures whenever its own inputs are the same: a session keeps them.
    const rules = lineRulesInForce[position] as readonly CompiledRule[];
    const key =
      cache &&
      !thresholds.parts.has(line.index) &&
      !rules.some((rule) => rule.kind === 'mixMatch') &&
      (exact[position] as Decimal).decimalPlaces() <= context.minorDigits
        ? figuresKey(line, position, prices, rules, tierCounts)
        : undefined;
    const known = key === undefined ? undefined : cache?.get(key);
    if (known) return known;
    const computed = lineFigures(
      line,
      position,
      prices,
      afterLineRules,
      thresholds,
      totals[position] as Decimal,
      context,
      say,
      money,
    );
    if (key === undefined) return computed;
    const kept = frozen(computed);
    cache?.set(key, kept);
    return kept;
  });
  const taxes = figures.map((figure) => figure.tax);
  const rounded: RoundedLines = {
    totals,
    ruleParts: figures.map((figure) => figure.ruleParts),
  };
  // 7. shipping
  const shippingRules = uniqueInForce(lines, (line) => line.shipping, conditions);
  const charge = context.shippingPrice ?? ZERO;
  const shipping =
    context.shippingPrice && shippingRules.length > 0
      ? applyShipping(charge, cartLevelLines(lines, rounded.totals), shippingRules, convert)
      : { discount: ZERO, parts: [], shortfalls: [] };
  const shippingDiscount = roundMoney(shipping.discount, context.currency);
  // 8. totals and explanations
  let subtotal = ZERO;
  let linesTotal = ZERO;
  let tax = ZERO;
  lines.forEach((_, position) => {
    subtotal = subtotal.plus(prices.subtotal[position] as Decimal);
    linesTotal = linesTotal.plus(rounded.totals[position] as Decimal);
    tax = tax.plus(taxes[position] as Decimal);
  });
  const shippingCharged = charge.minus(shippingDiscount);
  const total = linesTotal.plus(context.taxIncluded ? ZERO : tax).plus(shippingCharged);

  const applied = appliedRules(lines, prices, rounded, shipping, shippingDiscount, say, money);
  const nearMisses = findNearMisses({
    lines,
    conditions,
    enteredCoupons: context.coupons,
    tierCounts,
    lineRulesInForce,
    lineOutcome,
    thresholds,
    shipping,
    words: say,
    zones: index.zones,
    timeZone: context.timeZone,
  });
  const missesByLine = new Map<number, NearMiss[]>();
  for (const miss of nearMisses) {
    for (const index of miss.lines) {
      const list = missesByLine.get(index);
      if (list) list.push(miss);
      else missesByLine.set(index, [miss]);
    }
  }
  const pricedLines: PricedLine[] = lines.map((line, position) => {
    const figure = figures[position] as LineFigures;
    return {
      sku: line.sku,
      qty: line.qty,
      basePrice: figure.texts.base,
      unitPrice: figure.texts.unit,
      ...(figure.adjustment ? { adjustment: figure.adjustment } : {}),
      subtotal: figure.texts.subtotal,
      discounts: figure.discounts,
      discount: figure.texts.discount,
      total: figure.texts.total,
      taxRate: figure.texts.taxRate,
      tax: figure.texts.tax,
      nearMisses: missesByLine.get(line.index) ?? [],
    };
  });
  return {
    currency: context.currency,
    baseCurrency: context.baseCurrency,
    rate: context.rate.toString(),
    at: request.at,
    timeZone: context.timeZone,
    taxIncluded: context.taxIncluded,
    stacking: context.stacking,
    lines: pricedLines,
    subtotal: money(subtotal),
    discount: money(subtotal.minus(linesTotal)),
    tax: money(tax),
    shippingCharge: money(charge),
    shippingDiscount: money(shippingDiscount),
    shipping: money(shippingCharged),
    total: money(total),
    rulesUsed: applied.map((rule) => rule.ruleId),
    approximate: lineOutcome.approximate,
    validUntil: nextChangeOf(lines, request),
    explanations: { applied, nearMisses, coupons: [] },
  };
}

/** Lines as cart-level rules see them: product and amount so far. */
function cartLevelLines(lines: readonly ResolvedLine[], amounts: readonly Decimal[]): CartLevelLine[] {
  return lines.map((line, position) => ({
    index: line.index,
    product: line.product,
    amount: amounts[position] as Decimal,
  }));
}

/** Step 2: the unit price of each line, in base currency and as the cart shows it. */
function unitPrices(lines: readonly ResolvedLine[], conditions: ConditionCache, context: PricingContext): UnitPrices {
  const result: UnitPrices = { base: [], unit: [], subtotal: [], rule: [] };
  for (const line of lines) {
    const base = toCartMoney(context, line.product.price);
    const choice = line.prices.length > 0 ? chooseUnitPrice(line.product, line.prices, conditions) : undefined;
    const unit = choice?.rule ? toCartMoney(context, choice.price) : base;
    result.base.push(base);
    result.unit.push(unit);
    result.subtotal.push(unit.times(line.qty));
    result.rule.push(choice?.rule);
  }
  return result;
}

/** Eligible units in the cart per tiered rule in force. */
function countTierUnits(
  lines: readonly ResolvedLine[],
  inForce: readonly (readonly CompiledRule[])[],
): Map<number, number> {
  const counts = new Map<number, number>();
  lines.forEach((line, position) => {
    for (const rule of inForce[position] as CompiledRule[]) {
      if (rule.kind === 'tiered') counts.set(rule.ordinal, (counts.get(rule.ordinal) ?? 0) + line.qty);
    }
  });
  return counts;
}

/** Amounts after line rules: the lots of lines that took part, the subtotal of the others. */
function summariseLots(lines: readonly ResolvedLine[], prices: UnitPrices, outcome: LineRuleOutcome): LineAmounts {
  const position = new Map(lines.map((line, at) => [line.index, at]));
  const amounts = prices.subtotal.slice();
  const parts: (Map<CompiledRule, Decimal> | undefined)[] = lines.map(() => undefined);
  const touched = new Set<number>();
  for (const lot of outcome.lots) {
    const at = position.get(lot.line) as number;
    if (!touched.has(at)) {
      touched.add(at);
      amounts[at] = ZERO;
    }
    amounts[at] = (amounts[at] as Decimal).plus(lot.price.times(lot.qty));
    if (lot.discounts.length === 0) continue;
    const lineParts = parts[at] ?? new Map<CompiledRule, Decimal>();
    parts[at] = lineParts;
    for (const part of lot.discounts) {
      lineParts.set(part.rule, (lineParts.get(part.rule) ?? ZERO).plus(part.amount.times(lot.qty)));
    }
  }
  return { amounts, parts };
}

function uniqueInForce(
  lines: readonly ResolvedLine[],
  pick: (line: ResolvedLine) => readonly CompiledRule[],
  conditions: ConditionCache,
): CompiledRule[] {
  const found = new Map<number, CompiledRule>();
  for (const line of lines) {
    for (const rule of pick(line))
      if (!found.has(rule.ordinal) && conditions.inForce(rule)) found.set(rule.ordinal, rule);
  }
  return [...found.values()].sort((a, b) => a.ordinal - b.ordinal);
}

interface RoundedLines {
  totals: Decimal[];
  /** Per line: each rule's rounded part (for the cart summary). */
  ruleParts: ReadonlyMap<CompiledRule, Decimal>[];
}

function appliedRules(
  lines: readonly ResolvedLine[],
  prices: UnitPrices,
  rounded: RoundedLines,
  shipping: ShippingOutcome,
  shippingDiscount: Decimal,
  say: Words,
  money: (value: Decimal) => string,
): AppliedRule[] {
  const byRule = new Map<CompiledRule, { amount: Decimal; lines: number[] }>();
  const add = (rule: CompiledRule, amount: Decimal, line?: number) => {
    const entry = byRule.get(rule) ?? { amount: ZERO, lines: [] };
    entry.amount = entry.amount.plus(amount);
    if (line !== undefined && !entry.lines.includes(line)) entry.lines.push(line);
    byRule.set(rule, entry);
  };
  lines.forEach((line, position) => {
    const rule = prices.rule[position];
    if (rule && prices.base[position] !== prices.unit[position]) {
      const saved = (prices.base[position] as Decimal).minus(prices.unit[position] as Decimal).times(line.qty);
      if (!saved.isZero()) add(rule, saved, line.index);
    }
    for (const [partRule, amount] of rounded.ruleParts[position] as ReadonlyMap<CompiledRule, Decimal>) {
      if (!amount.isZero()) add(partRule, amount, line.index);
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
  return [...byRule.entries()]
    .sort((a, b) => a[0].ordinal - b[0].ordinal)
    .map(([rule, entry]) => ({
      ruleId: rule.id,
      kind: rule.kind,
      ...(rule.name ? { name: rule.name } : {}),
      amount: money(entry.amount),
      text: appliedText(rule, say, entry.amount),
      lines: entry.lines,
    }));
}

/** The first change after `at` of any rule that can concern this cart. */
function nextChangeOf(lines: readonly ResolvedLine[], request: PricingRequest): number | null {
  let next: number | null = null;
  const seen = new Set<number>();
  for (const line of lines) {
    for (const rule of line.all) {
      if (rule.schedule.always || seen.has(rule.ordinal)) continue;
      seen.add(rule.ordinal);
      const change = rule.schedule.nextChange(request.at, request.index.zones, request.context.timeZone);
      if (change !== null && (next === null || change < next)) next = change;
    }
  }
  return next;
}

export type { CartLine };
