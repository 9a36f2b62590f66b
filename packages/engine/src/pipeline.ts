import {
  type CartLine,
  type ProductRules,
  type ProductRulesCache,
  type ResolvedLine,
  resolveLines,
} from './cart-lines';
import { type CompiledRule, inRuleOrder } from './compile';
import { ConditionCache, type ConditionFacts } from './conditions';
import { type PricingContext, toCartMoney } from './context';
import { describeCoupons } from './coupons';
import { appliedText, type Words } from './explain';
import { frozen, type LineAmounts, type LineFigures, lineFigures, taxAmount, type UnitPrices } from './line-figures';
import {
  compare,
  Decimal,
  minorString,
  moneyText,
  plus,
  roundMoney,
  roundToSum,
  timesQty,
  toMinor,
  ZERO,
} from './money';
import { findNearMisses } from './near-misses';
import type { AppliedDiscount, AppliedRule, NearMiss, PricedCart, PricedLine } from './result';
import type { RuleIndex } from './rule-index';
import {
  applyShipping,
  applyThresholds,
  type CartLevelLine,
  type CartLevelRule,
  type ShippingOutcome,
  type ThresholdOutcome,
} from './rules/cart-level';
import { chooseUnitPrice } from './rules/price';
import type { UnitRuleFacts } from './rules/unit-discount';
import {
  applyJointRules,
  type DealMemo,
  type DiscountLine,
  type LineRuleOutcome,
  type Lot,
  priceAlone,
} from './stacking';
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

/**
 * What a session keeps between prices: best-deal answers by their inputs, and each product's
 * line as last priced, by the facts that pricing depended on.
 */
export interface SessionMemo {
  deals: DealMemo;
  /** The lines of the last cart, as resolved. */
  resolved?: readonly ResolvedLine[];
  /** Each line of the last price and its entry, by position. */
  slotLines: ResolvedLine[];
  slotEntries: LineEntry[];
  /** The last threshold and shipping outcomes, with the rules and line amounts they came from. */
  thresholds?: CartLevelAnswer<ThresholdOutcome>;
  shipping?: CartLevelAnswer<ShippingOutcome>;
  lines: Map<ProductRules, LineEntry[]>;
}

export function createSessionMemo(): SessionMemo {
  return { deals: new Map(), lines: new Map(), slotLines: [], slotEntries: [] };
}

/** Entries kept per product (a line's quantity, or the rules in force, may go back and forth). */
const ENTRIES_PER_PRODUCT = 4;

/**
 * One line priced up to the cart-wide steps: its unit prices and, when no mix-and-match rule
 * is in force on it, the outcome of its line rules. It depends only on the product, the
 * quantity, the price and line rules in force and the tier counts of the tiered ones (the
 * customer, currency and stacking are fixed for a session), so a session reuses it while those
 * are the same.
 */
interface LineEntry {
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

function words(request: PricingRequest): Words {
  const { context, index } = request;
  return {
    currency: context.currency,
    convert: (amount) => toCartMoney(context, amount),
    titles: index.titlesIn(context.currency, context.rateText),
  };
}

const NO_RULES: readonly CompiledRule[] = [];
const NO_TIERS: readonly number[] = [];
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
    const entry = lineEntry(line, rules, conditions, unitFacts, request);
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
    const known = keep ? entry.figures : undefined;
    if (
      known &&
      compare(known.total, total) === 0 &&
      sameParts(known.lineParts, lineParts) &&
      sameThresholdParts(known.thresholdParts, thresholdParts)
    ) {
      return known.figures;
    }
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

/** The line's entry: the session's, when it was priced from the same facts, or a new one. */
function lineEntry(
  line: ResolvedLine,
  rules: readonly CompiledRule[],
  conditions: ConditionCache,
  facts: UnitRuleFacts,
  request: PricingRequest,
): LineEntry {
  const prices = line.prices.length === 0 ? NO_RULES : conditions.inForceOf(line.prices);
  const memo = request.memo;
  // The same line at the same place as in the last price: its entry then, if the facts hold.
  const slot = memo?.slotEntries[line.index];
  if (slot && memo?.slotLines[line.index] === line && holds(slot, line, prices, rules, facts)) return slot;
  const kept = memo?.lines;
  const known = kept?.get(line.source);
  if (known) for (const entry of known) if (holds(entry, line, prices, rules, facts)) return entry;
  const entry = priceLine(line, prices, rules, conditions, facts, request.context);
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

/** The cart's totals as text. */
interface CartSums {
  subtotal: string;
  discount: string;
  tax: string;
  shippingCharge: string;
  shippingDiscount: string;
  shipping: string;
  total: string;
}

/**
 * Step 8: the cart's sums. Every amount here is whole minor units, so they are added as plain
 * numbers (exact while they stay within 2^53 minor units); beyond that, in decimals.
 */
function cartSums(
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

/** A cart-level outcome and what it was worked out from (the charge and currency are the session's). */
interface CartLevelAnswer<T> {
  rules: readonly CartLevelRule[];
  outcome: T;
}

/** The session's last answer when the rules and their lines' amounts are the same, else a new one (kept). */
function remembered<K extends 'thresholds' | 'shipping'>(
  memo: SessionMemo | undefined,
  key: K,
  rules: readonly CartLevelRule[],
  work: () => NonNullable<SessionMemo[K]>['outcome'],
): NonNullable<SessionMemo[K]>['outcome'] {
  const known = memo?.[key];
  if (known && sameCartLevelRules(known.rules, rules)) return known.outcome;
  const outcome = work();
  if (memo) memo[key] = { rules, outcome } as SessionMemo[K];
  return outcome;
}

function sameCartLevelRules(a: readonly CartLevelRule[], b: readonly CartLevelRule[]): boolean {
  if (a.length !== b.length) return false;
  for (let at = 0; at < a.length; at += 1) {
    const one = a[at] as CartLevelRule;
    const other = b[at] as CartLevelRule;
    if (one.rule !== other.rule || one.lines.length !== other.lines.length) return false;
    for (let line = 0; line < one.lines.length; line += 1) {
      const mine = one.lines[line] as CartLevelLine;
      const theirs = other.lines[line] as CartLevelLine;
      if (mine.index !== theirs.index || compare(mine.amount, theirs.amount) !== 0) return false;
    }
  }
  return true;
}

/**
 * Cart-level rules in force (thresholds or shipping) in rule order, each with the lines it
 * applies to and their amounts so far: the lines whose candidates name it.
 */
function cartLevelRules(
  lines: readonly ResolvedLine[],
  pick: (line: ResolvedLine) => readonly CompiledRule[],
  amounts: readonly Decimal[],
  conditions: ConditionCache,
): CartLevelRule[] {
  let found: Map<number, { rule: CompiledRule; lines: CartLevelLine[] }> | undefined;
  lines.forEach((line, position) => {
    for (const rule of pick(line)) {
      let entry = found?.get(rule.ordinal);
      if (!entry) {
        if (!conditions.inForce(rule)) continue;
        entry = { rule, lines: [] };
        found ??= new Map();
        found.set(rule.ordinal, entry);
      }
      entry.lines.push({ index: line.index, amount: amounts[position] as Decimal });
    }
  });
  if (!found) return [];
  const byOrdinal = found;
  return inRuleOrder([...found.values()].map((entry) => entry.rule)).map(
    (rule) => byOrdinal.get(rule.ordinal) as CartLevelRule,
  );
}

interface RuleTotal {
  amount: Decimal;
  lines: number[];
  /** How many amounts were added up. */
  count: number;
  /** The line's discount, when the rule's whole amount is one line's discount (same words). */
  discount: AppliedDiscount | undefined;
}

function appliedRules(
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

/** The first change after `at` of any rule that can concern this cart. */
function nextChangeOf(lines: readonly ResolvedLine[], request: PricingRequest): number | null {
  let next: number | null = null;
  for (const line of lines) {
    const change = productNextChange(line.source, request);
    if (change !== null && (next === null || change < next)) next = change;
  }
  return next;
}

/**
 * The first change after `at` of any rule of a product. Nothing changes before it, so it is
 * also the answer from any later instant up to it: the product keeps it for those — unless a
 * recurring rule saw no change within the horizon, which may come into sight later.
 */
function productNextChange(product: ProductRules, request: PricingRequest): number | null {
  const { at } = request;
  const zone = request.context.timeZone;
  const known = product.nextChange;
  if (known && known.zone === zone && at >= known.from && at < known.next) return known.next;
  let next: number | null = null;
  let lasting = true;
  for (const rule of product.all) {
    if (rule.schedule.always) continue;
    const change = rule.schedule.nextChange(at, request.index.zones, zone);
    if (change === null) lasting &&= rule.schedule.recurrence === undefined;
    else if (next === null || change < next) next = change;
  }
  product.nextChange = next !== null && lasting ? { zone, from: at, next } : undefined;
  return next;
}

export type { CartLine };
