import type { ResolvedLine } from '../cart-lines';
import { type CompiledRule, inRuleOrder } from '../compile';
import type { ConditionCache } from '../conditions';
import { compare, type Decimal, maxDecimal, minDecimal, ZERO } from '../money';

/**
 * Cart-level rules: `threshold` (once per cart, on the eligible lines' subtotal after line
 * discounts, spread over those lines in proportion to their amounts) and `shipping` (on the
 * shipping charge once the goods reach a subtotal). Both combine among themselves the same
 * way: each rule alone, or the chain of the compound ones; the alternative that takes the
 * most off wins (the first of equals). Priorities are not used here.
 */

export interface CartLevelLine {
  index: number;
  /** The line's amount so far (exact after line rules for thresholds; rounded for shipping). */
  amount: Decimal;
}

/** A cart-level rule in force with the cart's lines it applies to, in cart order. */
export interface CartLevelRule {
  rule: CompiledRule;
  lines: readonly CartLevelLine[];
}

export interface Shortfall {
  rule: CompiledRule;
  /** How much more the eligible lines must reach. */
  shortBy: Decimal;
  lines: number[];
}

export interface ThresholdOutcome {
  /** Per line index: what each threshold rule took off, exact. */
  parts: Map<number, { rule: CompiledRule; amount: Decimal }[]>;
  total: Decimal;
  applied: CompiledRule[];
  shortfalls: Shortfall[];
}

interface Qualified {
  rule: CompiledRule;
  eligible: readonly CartLevelLine[];
  /** The eligible lines' amounts added up. */
  subtotal: Decimal;
}

/** Rules whose minimum subtotal the eligible lines reach, and by how much the others fall short. */
function qualify(
  rules: readonly CartLevelRule[],
  convert: (amount: Decimal) => Decimal,
): { qualified: Qualified[]; shortfalls: Shortfall[] } {
  const qualified: Qualified[] = [];
  const shortfalls: Shortfall[] = [];
  for (const { rule, lines: eligible } of rules) {
    if (eligible.length === 0) continue;
    const subtotal = sumOfAmounts(eligible);
    const minimum = convert(rule.minSubtotal ?? ZERO);
    if (compare(subtotal, minimum) >= 0) qualified.push({ rule, eligible, subtotal });
    else shortfalls.push({ rule, shortBy: minimum.minus(subtotal), lines: eligible.map((line) => line.index) });
  }
  return { qualified, shortfalls };
}

function sumOfAmounts(lines: readonly CartLevelLine[]): Decimal {
  let sum = ZERO;
  for (const line of lines) sum = sum.plus(line.amount);
  return sum;
}

/** The alternatives: every rule alone, then the chain of the compound ones (when two or more). */
function alternatives(qualified: readonly Qualified[]): Qualified[][] {
  const options = qualified.map((entry) => [entry]);
  const compound = qualified.filter((entry) => entry.rule.concurrency === 'compound');
  if (compound.length > 1) options.push(compound);
  return options;
}

export function applyThresholds(
  rules: readonly CartLevelRule[],
  convert: (amount: Decimal) => Decimal,
): ThresholdOutcome {
  const { qualified, shortfalls } = qualify(rules, convert);
  // A rule alone takes a known amount off its lines (no need to spread it to compare); only
  // the chain of compound rules is worked out line by line. The winner is then spread.
  let winner: Qualified[] | undefined;
  let most = ZERO;
  for (const option of alternatives(qualified)) {
    const total =
      option.length === 1 ? aloneTotal(option[0] as Qualified, convert) : chainOnLines(option, convert).total;
    if (compare(total, most) > 0) {
      most = total;
      winner = option;
    }
  }
  if (!winner) return { parts: new Map(), total: ZERO, applied: [], shortfalls };
  return { ...chainOnLines(winner, convert), shortfalls };
}

function aloneTotal({ rule, subtotal }: Qualified, convert: (amount: Decimal) => Decimal): Decimal {
  const benefit = rule.benefit;
  if (benefit?.type === 'percent') return subtotal.times(benefit.fraction);
  if (benefit?.type === 'amount') return minDecimal(convert(benefit.amount), subtotal);
  return ZERO;
}

/** Percentages first (each on its lines' current amounts), then amounts spread in proportion. */
function chainOnLines(
  chain: readonly Qualified[],
  convert: (amount: Decimal) => Decimal,
): Omit<ThresholdOutcome, 'shortfalls'> {
  const current = new Map<number, Decimal>();
  for (const { eligible } of chain) for (const line of eligible) current.set(line.index, line.amount);
  const parts = new Map<number, { rule: CompiledRule; amount: Decimal }[]>();
  let total = ZERO;
  const applied: CompiledRule[] = [];
  const take = (rule: CompiledRule, index: number, amount: Decimal) => {
    if (amount.isZero()) return;
    current.set(index, (current.get(index) as Decimal).minus(amount));
    const list = parts.get(index) ?? [];
    list.push({ rule, amount });
    parts.set(index, list);
    total = total.plus(amount);
    if (!applied.includes(rule)) applied.push(rule);
  };
  const ordered = [
    ...chain.filter((entry) => entry.rule.benefit?.type === 'percent'),
    ...chain.filter((entry) => entry.rule.benefit?.type !== 'percent'),
  ];
  for (const { rule, eligible } of ordered) {
    const benefit = rule.benefit;
    if (benefit?.type === 'percent') {
      for (const line of eligible) take(rule, line.index, (current.get(line.index) as Decimal).times(benefit.fraction));
    } else if (benefit?.type === 'amount') {
      const base = eligible.reduce((sum, line) => sum.plus(current.get(line.index) as Decimal), ZERO);
      if (base.isZero()) continue;
      const off = minDecimal(convert(benefit.amount), base);
      // The whole `off` is taken exactly: each line's share, the last one getting what is left.
      let left = off;
      eligible.forEach((line, position) => {
        const share =
          position === eligible.length - 1 ? left : off.times(current.get(line.index) as Decimal).dividedBy(base);
        left = left.minus(share);
        take(rule, line.index, share);
      });
    }
  }
  return { parts, total, applied };
}

export interface ShippingOutcome {
  /** Off the shipping charge, exact (never more than the charge). */
  discount: Decimal;
  parts: { rule: CompiledRule; amount: Decimal }[];
  shortfalls: Shortfall[];
}

export function applyShipping(
  charge: Decimal,
  rules: readonly CartLevelRule[],
  convert: (amount: Decimal) => Decimal,
): ShippingOutcome {
  const { qualified, shortfalls } = qualify(rules, convert);
  let best: ShippingOutcome = { discount: ZERO, parts: [], shortfalls };
  for (const option of alternatives(qualified)) {
    let current = charge;
    const parts: { rule: CompiledRule; amount: Decimal }[] = [];
    const ordered = [
      ...option.filter((entry) => entry.rule.benefit?.type === 'percent'),
      ...option.filter((entry) => entry.rule.benefit?.type !== 'percent'),
    ];
    for (const { rule } of ordered) {
      const benefit = rule.benefit;
      let amount = ZERO;
      if (benefit?.type === 'percent') amount = current.times(benefit.fraction);
      else if (benefit?.type === 'amount') amount = minDecimal(convert(benefit.amount), current);
      else if (benefit?.type === 'free') amount = current;
      amount = maxDecimal(amount, ZERO);
      if (amount.isZero()) continue;
      parts.push({ rule, amount });
      current = current.minus(amount);
    }
    const discount = charge.minus(current);
    if (compare(discount, best.discount) > 0) best = { discount, parts, shortfalls };
  }
  return best;
}

/**
 * Cart-level rules in force (thresholds or shipping) in rule order, each with the lines it
 * applies to and their amounts so far: the lines whose candidates name it.
 */
export function cartLevelRules(
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
