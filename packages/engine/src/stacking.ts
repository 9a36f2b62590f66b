import { bestDeal, type Deal, type DealSolution, type DealType } from './best-deal';
import type { CompiledRule, ProductRef } from './compile';
import type { StackingModel } from './context';
import { compare, type Decimal } from './money';
import { searchBenefit, setDiscounts } from './rules/mix-match';
import {
  amountOff,
  compoundOffer,
  takesNothing,
  type UnitOffer,
  type UnitRuleFacts,
  unitBenefit,
} from './rules/unit-discount';

/**
 * Line rules (discount, tiered, mixMatch) taken one priority at a time, highest first.
 * Units live in lots: units of one line with the same price and history. Within a priority
 * each open unit gets its best option — a rule alone, the compound chain (withinPriority), or
 * a place in a mix-and-match set — chosen together by the best-deal search so that the
 * customer pays the least; then the outcome is fixed before the next priority.
 *
 * - withinPriority: a unit discounted at a priority (or placed in a set) is closed.
 * - acrossPriorities: a single rule wins per unit (compound counts as best price); the unit
 *   stays open for lower priorities at its reduced price unless the winner is exclusive.
 */

export interface UnitDiscount {
  rule: CompiledRule;
  /** Off one unit, exact. */
  amount: Decimal;
}

export interface Lot {
  line: number;
  qty: number;
  /** Unit price now, exact. */
  price: Decimal;
  open: boolean;
  discounts: readonly UnitDiscount[];
}

export interface DiscountLine {
  index: number;
  product: ProductRef;
  qty: number;
  unitPrice: Decimal;
  /** Line rules in force that apply to this product (any priority), in rule order. */
  rules: readonly CompiledRule[];
}

export interface LineRuleOutcome {
  lots: Lot[];
  approximate: boolean;
  /** Search effort, for benchmarks and tests. */
  searchNodes: number;
}

/** Memo of best-deal searches by their exact inputs (a session keeps one across scans). */
export type DealMemo = Map<string, DealSolution>;

const NO_DISCOUNTS: readonly UnitDiscount[] = Object.freeze([]);

/**
 * A line with no mix-and-match rule in force: nothing it does depends on the other lines
 * (tier counts aside), and its units stay one lot — each priority's best offer applies to
 * all of them. What one unit ends up at, and what each rule took off it.
 */
export function priceAlone(
  rules: readonly CompiledRule[],
  unitPrice: Decimal,
  stacking: StackingModel,
  facts: UnitRuleFacts,
): { price: Decimal; discounts: readonly UnitDiscount[] } {
  let price = unitPrice;
  let discounts = NO_DISCOUNTS;
  const priorities = rules.length === 1 ? [(rules[0] as CompiledRule).priority] : prioritiesOf(rules);
  for (const priority of priorities) {
    const here = rules.length === 1 ? rules : rules.filter((rule) => rule.priority === priority);
    const offer = bestOffer(here, price, stacking, facts);
    if (!offer) continue;
    price = offer.price;
    discounts = discounts.length === 0 ? offer.parts : [...discounts, ...offer.parts];
    // Closed: lower priorities do not touch these units.
    if (stacking !== 'acrossPriorities' || offer.exclusive) break;
  }
  return { price, discounts };
}

/** Distinct priorities, highest first. */
function prioritiesOf(rules: readonly CompiledRule[]): number[] {
  const priorities: number[] = [];
  for (const rule of rules) if (!priorities.includes(rule.priority)) priorities.push(rule.priority);
  return priorities.sort((a, b) => b - a);
}

/**
 * Line rules of lines that share mix-and-match rules, priced together: by priority, each
 * open unit's best option chosen by the best-deal search (remembered in `memo` when given).
 */
export function applyJointRules(
  lines: readonly DiscountLine[],
  stacking: StackingModel,
  facts: UnitRuleFacts,
  memo?: DealMemo,
): LineRuleOutcome {
  return runPriorities(lines, stacking, facts, memo);
}

function runPriorities(
  lines: readonly DiscountLine[],
  stacking: StackingModel,
  facts: UnitRuleFacts,
  memo: DealMemo | undefined,
): LineRuleOutcome {
  let lots: Lot[] = lines.map((line) => ({
    line: line.index,
    qty: line.qty,
    price: line.unitPrice,
    open: true,
    discounts: [],
  }));
  const priorities = prioritiesOf(lines.flatMap((line) => line.rules));
  let approximate = false;
  let searchNodes = 0;
  const byIndex = new Map(lines.map((line) => [line.index, line]));
  for (const priority of priorities) {
    const step = applyPriority(lots, byIndex, priority, stacking, facts, memo);
    lots = step.lots;
    approximate ||= step.approximate;
    searchNodes += step.nodes;
  }
  return { lots, approximate, searchNodes };
}

function applyPriority(
  lots: readonly Lot[],
  lines: ReadonlyMap<number, DiscountLine>,
  priority: number,
  stacking: StackingModel,
  facts: UnitRuleFacts,
  memo: DealMemo | undefined,
): { lots: Lot[]; approximate: boolean; nodes: number } {
  const closed: Lot[] = [];
  const open: { lot: Lot; line: DiscountLine; offer: Offer | undefined; deals: readonly CompiledRule[] }[] = [];
  const dealRules = new Map<number, CompiledRule>();
  for (const lot of lots) {
    const line = lines.get(lot.line) as DiscountLine;
    const here = lot.open ? line.rules.filter((rule) => rule.priority === priority) : [];
    if (here.length === 0) {
      closed.push(lot);
      continue;
    }
    const deals = here.filter((rule) => rule.kind === 'mixMatch');
    for (const deal of deals) dealRules.set(deal.ordinal, deal);
    const perUnit = here.filter((rule) => rule.kind !== 'mixMatch');
    open.push({ lot, line, offer: bestOffer(perUnit, lot.price, stacking, facts), deals });
  }
  const result = closed;
  if (dealRules.size === 0) {
    for (const entry of open) result.push(...applyOffer(entry.lot, entry.lot.qty, entry.offer, stacking));
    return { lots: mergeLots(result), approximate: false, nodes: 0 };
  }
  const deals = [...dealRules.values()].sort((a, b) => a.ordinal - b.ordinal);
  const search = searchDeals(open, deals, facts, memo);
  const taken = new Map<Lot, number>();
  for (const application of search.solution.applications) {
    const rule = deals[application.deal] as CompiledRule;
    const units = application.slots.map((slot) => {
      const pool = search.pools[slot.type] as Lot[];
      const lot = pool.find((candidate) => (taken.get(candidate) ?? 0) < candidate.qty) as Lot;
      taken.set(lot, (taken.get(lot) ?? 0) + 1);
      return { lot, discounted: isDiscountedGroup(rule, slot.group) };
    });
    const amounts = setDiscounts(
      rule.dealBenefit as NonNullable<CompiledRule['dealBenefit']>,
      units.map((unit) => ({ price: unit.lot.price, discounted: unit.discounted })),
      facts.convert,
    );
    units.forEach((unit, index) => {
      const amount = amounts[index] as Decimal;
      result.push({
        line: unit.lot.line,
        qty: 1,
        price: unit.lot.price.minus(amount),
        open: stacking === 'acrossPriorities' && rule.concurrency !== 'exclusive',
        discounts: amount.isZero() ? unit.lot.discounts : [...unit.lot.discounts, { rule, amount }],
      });
    });
  }
  for (const entry of open) {
    const rest = entry.lot.qty - (taken.get(entry.lot) ?? 0);
    if (rest > 0) result.push(...applyOffer(entry.lot, rest, entry.offer, stacking));
  }
  return { lots: mergeLots(result), approximate: !search.solution.exact, nodes: search.solution.nodes };
}

function isDiscountedGroup(rule: CompiledRule, group: number): boolean {
  const anyMarked = rule.groups.some((candidate) => candidate.discounted);
  return !anyMarked || (rule.groups[group]?.discounted ?? false);
}

interface Offer extends UnitOffer {
  exclusive: boolean;
}

/**
 * The best option for a unit outside any set, or undefined when nothing takes anything off:
 * each rule alone, and (withinPriority) the chain of the compound ones, in that order; the
 * lowest price wins, the first of equals unless a later one keeps the unit open.
 */
function bestOffer(
  rules: readonly CompiledRule[],
  price: Decimal,
  stacking: StackingModel,
  facts: UnitRuleFacts,
): Offer | undefined {
  let best: Offer | undefined;
  let compound = false;
  for (const rule of rules) {
    if (stacking === 'withinPriority' && rule.concurrency === 'compound') {
      compound = true;
      continue;
    }
    const benefit = unitBenefit(rule, facts);
    if (!benefit) continue;
    const amount = amountOff(benefit, price, facts.convert);
    if (takesNothing(amount)) continue;
    const after = price.minus(amount);
    const exclusive = rule.concurrency === 'exclusive';
    if (!best || beats(after, exclusive, best)) best = { parts: [{ rule, amount }], price: after, exclusive };
  }
  if (compound) {
    const chain = compoundOffer(
      rules.filter((rule) => rule.concurrency === 'compound'),
      price,
      facts,
    );
    if (chain && (!best || beats(chain.price, false, best))) best = { ...chain, exclusive: false };
  }
  return best;
}

/** Equal prices: a non-exclusive option keeps the unit open for lower priorities, so it wins. */
function beats(price: Decimal, exclusive: boolean, best: Offer): boolean {
  const order = compare(price, best.price);
  return order < 0 || (order === 0 && best.exclusive && !exclusive);
}

function applyOffer(lot: Lot, qty: number, offer: Offer | undefined, stacking: StackingModel): Lot[] {
  if (!offer) return [{ ...lot, qty }];
  return [
    {
      line: lot.line,
      qty,
      price: offer.price,
      open: stacking === 'acrossPriorities' && !offer.exclusive,
      discounts: [...lot.discounts, ...offer.parts],
    },
  ];
}

interface DealSearch {
  solution: DealSolution;
  /** Lots per search type, in cart order. */
  pools: Lot[][];
}

/**
 * Pools open units into types (same SKU and price: interchangeable), asks the best-deal search
 * which sets to make, and remembers the answer by its inputs when a memo is given.
 */
function searchDeals(
  open: readonly { lot: Lot; line: DiscountLine; offer: Offer | undefined; deals: readonly CompiledRule[] }[],
  deals: readonly CompiledRule[],
  facts: UnitRuleFacts,
  memo: DealMemo | undefined,
): DealSearch {
  const byKey = new Map<string, { key: string; entries: (typeof open)[number][] }>();
  for (const entry of open) {
    if (entry.deals.length === 0) continue;
    const key = `${entry.line.product.sku}\u0000${entry.lot.price.toString()}`;
    const pooled = byKey.get(key);
    if (pooled) pooled.entries.push(entry);
    else byKey.set(key, { key, entries: [entry] });
  }
  const pooled = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const types: DealType[] = pooled.map(({ entries }) => {
    const first = entries[0] as (typeof entries)[number];
    return {
      count: entries.reduce((sum, entry) => sum + entry.lot.qty, 0),
      price: first.lot.price.toNumber(),
      standalone: (first.offer?.price ?? first.lot.price).toNumber(),
    };
  });
  const searchDeals: Deal[] = deals.map((rule) => ({
    groups: rule.groups.map((group) => ({
      qty: group.qty,
      discounted: group.discounted,
      eligible: pooled.flatMap(({ entries }, type) => {
        const first = entries[0] as (typeof entries)[number];
        return first.deals.includes(rule) && group.matcher.matches(first.line.product) ? [type] : [];
      }),
    })),
    benefit: searchBenefit(rule.dealBenefit as NonNullable<CompiledRule['dealBenefit']>, facts.convert),
    maxApplications: rule.maxApplications,
  }));
  const pools = pooled.map(({ entries }) => entries.map((entry) => entry.lot));
  const memoKey = memo ? JSON.stringify([deals.map((rule) => rule.ordinal), types, searchDeals]) : '';
  const remembered = memo?.get(memoKey);
  if (remembered) return { solution: remembered, pools };
  const solution = bestDeal(types, searchDeals);
  memo?.set(memoKey, solution);
  return { solution, pools };
}

/** Joins lots of one line with the same price, state and history, to keep the work small. */
function mergeLots(lots: readonly Lot[]): Lot[] {
  const lines = new Set<number>();
  for (const lot of lots) lines.add(lot.line);
  if (lines.size === lots.length) return lots as Lot[];
  const byKey = new Map<string, Lot>();
  const merged: Lot[] = [];
  for (const lot of lots) {
    const key = `${lot.line}|${lot.open}|${lot.price.toString()}|${lot.discounts
      .map((part) => `${part.rule.ordinal}:${part.amount.toString()}`)
      .join(',')}`;
    const existing = byKey.get(key);
    if (existing) {
      existing.qty += lot.qty;
      continue;
    }
    const copy = { ...lot };
    byKey.set(key, copy);
    merged.push(copy);
  }
  return merged;
}
