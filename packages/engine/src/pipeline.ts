import { appliedRules } from './applied-rules';
import { type CartLine, type ProductRulesCache, type ResolvedLine, resolveLines } from './cart-lines';
import { cartSums } from './cart-sums';
import type { CompiledRule } from './compile';
import { ConditionCache, type ConditionFacts } from './conditions';
import { type PricingContext, toCartMoney } from './context';
import { describeCoupons } from './coupons';
import type { Words } from './explain';
import { keptFigures, type LineEntry, lineEntry, NO_RULES } from './line-entries';
import { frozen, type LineAmounts, type LineFigures, lineFigures, type UnitPrices } from './line-figures';
import { Decimal, moneyText, roundMoney, roundToSum, ZERO } from './money';
import { findNearMisses } from './near-misses';
import type { NearMiss, PricedCart, PricedLine } from './result';
import type { RuleIndex } from './rule-index';
import { applyShipping, applyThresholds, cartLevelRules, type ThresholdOutcome } from './rules/cart-level';
import type { UnitRuleFacts } from './rules/unit-discount';
import { remembered, type SessionMemo } from './session-memo';
import { applyJointRules, type DiscountLine, type LineRuleOutcome, type Lot } from './stacking';
import { nextChangeOf } from './valid-until';
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
  const lines = resolveLines(request.lines, request.products, request.memo?.resolved);
  if (request.memo) request.memo.resolved = lines;
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
  chosen.cart.explanations.coupons = describeCoupons(request, lines, chosen.cart, chosen.codes, words(request));
  return chosen.cart;
}

function words(request: PricingRequest): Words {
  const { context, index } = request;
  return {
    currency: context.currency,
    convert: (amount) => toCartMoney(context, amount),
    titles: index.titlesIn(context.currency, context.rateText),
  };
}

const NO_TIER_COUNTS: ReadonlyMap<number, number> = new Map();

const NO_THRESHOLDS: ThresholdOutcome = { parts: new Map(), total: ZERO, applied: [], shortfalls: [] };

const NO_JOINT: LineRuleOutcome = { lots: [], approximate: false, searchNodes: 0 };

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
  const say = words(request);
  const convert = say.convert;
  const digits = context.minorDigits;
  const money = (value: Decimal) => moneyText(value, digits);

  // 2. unit prices, 3. line rules: each line alone where it can be (a session keeps those)
  const lineRulesInForce = lines.map((line) =>
    line.lineRules.length === 0 ? NO_RULES : conditions.inForceOf(line.lineRules),
  );
  const tierCounts = countTierUnits(lines, lineRulesInForce);
  const unitFacts: UnitRuleFacts = { tierCounts, convert };
  const count = lines.length;
  const entries: LineEntry[] = new Array(count);
  const prices: UnitPrices = {
    base: new Array(count),
    unit: new Array(count),
    subtotal: new Array(count),
    rule: new Array(count),
  };
  const amounts: Decimal[] = new Array(count);
  const parts: (Map<CompiledRule, Decimal> | undefined)[] = new Array(count);
  const together: DiscountLine[] = [];
  lines.forEach((line, position) => {
    const rules = lineRulesInForce[position] as readonly CompiledRule[];
    const entry = lineEntry(line, rules, conditions, unitFacts, context, request.memo);
    entries[position] = entry;
    if (request.memo) {
      request.memo.slotLines[position] = line;
      request.memo.slotEntries[position] = entry;
    }
    prices.base[position] = entry.base;
    prices.unit[position] = entry.unit;
    prices.subtotal[position] = entry.subtotal;
    prices.rule[position] = entry.priceRule;
    amounts[position] = entry.alone?.amount ?? ZERO;
    parts[position] = entry.alone?.parts;
    if (entry.alone) return;
    together.push({ index: line.index, product: line.product, qty: line.qty, unitPrice: entry.unit, rules });
  });
  // 3. lines with a mix-and-match rule in force: priced together, with the best deal
  const joint =
    together.length === 0 ? NO_JOINT : applyJointRules(together, context.stacking, unitFacts, request.memo?.deals);
  addLots(joint.lots, amounts, parts);
  const afterLineRules: LineAmounts = { amounts, parts };
  // 4. thresholds
  const thresholdRules = cartLevelRules(lines, (line) => line.thresholds, amounts, conditions);
  const thresholds =
    thresholdRules.length === 0
      ? NO_THRESHOLDS
      : remembered(request.memo, 'thresholds', thresholdRules, () => applyThresholds(thresholdRules, convert));
  // 5. rounding, 6. tax (and each line's figures as text)
  const exact =
    thresholds.parts.size === 0
      ? amounts
      : lines.map((line, position) => {
          let amount = amounts[position] as Decimal;
          for (const part of thresholds.parts.get(line.index) ?? []) amount = amount.minus(part.amount);
          return amount;
        });
  const totals = roundToSum(exact, context.currency);
  const keep = request.memo !== undefined;
  const figures = lines.map((line, position) => {
    const entry = entries[position] as LineEntry;
    const total = totals[position] as Decimal;
    const lineParts = parts[position];
    const thresholdParts = thresholds.parts.get(line.index);
    // A line's figures follow from its entry, its rule parts and its rounded total: a session
    // keeps the last ones with the entry and reuses them while those are the same.
    const known = keep ? keptFigures(entry, total, lineParts, thresholdParts) : undefined;
    if (known) return known;
    const computed = lineFigures(line, position, prices, afterLineRules, thresholds, total, context, say);
    if (!keep) return computed;
    entry.figures = { figures: frozen(computed), total, lineParts, thresholdParts };
    return entry.figures.figures;
  });
  // 7. shipping
  const charge = context.shippingPrice ?? ZERO;
  const shippingRules = context.shippingPrice ? cartLevelRules(lines, (line) => line.shipping, totals, conditions) : [];
  const shipping =
    shippingRules.length > 0
      ? remembered(request.memo, 'shipping', shippingRules, () => applyShipping(charge, shippingRules, convert))
      : { discount: ZERO, parts: [], shortfalls: [] };
  const shippingDiscount = roundMoney(shipping.discount, context.currency);
  // 8. totals and explanations
  const sums = cartSums(prices.subtotal, totals, figures, charge, shippingDiscount, context);

  const applied = appliedRules(lines, prices, figures, shipping, shippingDiscount, say, money);
  const nearMisses = findNearMisses({
    lines,
    conditions,
    enteredCoupons: context.coupons,
    tierCounts,
    lineRulesInForce,
    lineOutcome: joint,
    thresholds,
    shipping,
    words: say,
    zones: index.zones,
    timeZone: context.timeZone,
  });
  // By line index, which is the line's position.
  const missesByLine: (NearMiss[] | undefined)[] = new Array(lines.length);
  for (const miss of nearMisses) {
    for (const index of miss.lines) {
      const list = missesByLine[index];
      if (list) list.push(miss);
      else missesByLine[index] = [miss];
    }
  }
  const pricedLines: PricedLine[] = lines.map((line, position) =>
    pricedLine(line, figures[position] as LineFigures, missesByLine[line.index] ?? []),
  );
  return {
    currency: context.currency,
    baseCurrency: context.baseCurrency,
    rate: context.rateText,
    at: request.at,
    timeZone: context.timeZone,
    taxIncluded: context.taxIncluded,
    stacking: context.stacking,
    lines: pricedLines,
    subtotal: sums.subtotal,
    discount: sums.discount,
    tax: sums.tax,
    shippingCharge: sums.shippingCharge,
    shippingDiscount: sums.shippingDiscount,
    shipping: sums.shipping,
    total: sums.total,
    rulesUsed: applied.map((rule) => rule.ruleId),
    approximate: joint.approximate,
    validUntil: nextChangeOf(lines, request),
    explanations: { applied, nearMisses, coupons: [] },
  };
}

/** Lots of lines priced together, added into those lines' amounts and rule parts. */
function addLots(lots: readonly Lot[], amounts: Decimal[], parts: (Map<CompiledRule, Decimal> | undefined)[]): void {
  // Lines priced together start from nothing: their amount is the sum of their lots.
  for (const lot of lots) amounts[lot.line] = ZERO;
  for (const lot of lots) {
    amounts[lot.line] = (amounts[lot.line] as Decimal).plus(lot.price.times(lot.qty));
    if (lot.discounts.length === 0) continue;
    const lineParts = parts[lot.line] ?? new Map<CompiledRule, Decimal>();
    parts[lot.line] = lineParts;
    for (const part of lot.discounts) {
      lineParts.set(part.rule, (lineParts.get(part.rule) ?? ZERO).plus(part.amount.times(lot.qty)));
    }
  }
}

/** Eligible units in the cart per tiered rule in force. */
function countTierUnits(
  lines: readonly ResolvedLine[],
  inForce: readonly (readonly CompiledRule[])[],
): ReadonlyMap<number, number> {
  let counts: Map<number, number> | undefined;
  lines.forEach((line, position) => {
    for (const rule of inForce[position] as CompiledRule[]) {
      if (rule.kind !== 'tiered') continue;
      counts ??= new Map();
      counts.set(rule.ordinal, (counts.get(rule.ordinal) ?? 0) + line.qty);
    }
  });
  return counts ?? NO_TIER_COUNTS;
}

function pricedLine(line: ResolvedLine, figure: LineFigures, nearMisses: NearMiss[]): PricedLine {
  const texts = figure.texts;
  // Two literals rather than a spread: the same key order, without a copy per line.
  return figure.adjustment
    ? {
        sku: line.sku,
        qty: line.qty,
        basePrice: texts.base,
        unitPrice: texts.unit,
        adjustment: figure.adjustment,
        subtotal: texts.subtotal,
        discounts: figure.discounts,
        discount: texts.discount,
        total: texts.total,
        taxRate: texts.taxRate,
        tax: texts.tax,
        nearMisses,
      }
    : {
        sku: line.sku,
        qty: line.qty,
        basePrice: texts.base,
        unitPrice: texts.unit,
        subtotal: texts.subtotal,
        discounts: figure.discounts,
        discount: texts.discount,
        total: texts.total,
        taxRate: texts.taxRate,
        tax: texts.tax,
        nearMisses,
      };
}

export type { CartLine };
