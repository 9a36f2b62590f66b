import type { CompiledRule, ProductRef } from '../compile';
import { type Decimal, maxDecimal, minDecimal, ZERO } from '../money';

/**
 * Cart-level rules: `threshold` (once per cart, on the eligible lines' subtotal after line
 * discounts, spread over those lines in proportion to their amounts) and `shipping` (on the
 * shipping charge once the goods reach a subtotal). Both combine among themselves the same
 * way: each rule alone, or the chain of the compound ones; the alternative that takes the
 * most off wins (the first of equals). Priorities are not used here.
 */

export interface CartLevelLine {
  index: number;
  product: ProductRef;
  /** The line's amount so far (exact after line rules for thresholds; rounded for shipping). */
  amount: Decimal;
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
  eligible: CartLevelLine[];
}

/** Rules whose minimum subtotal the eligible lines reach, and by how much the others fall short. */
function qualify(
  lines: readonly CartLevelLine[],
  rules: readonly CompiledRule[],
  convert: (amount: Decimal) => Decimal,
): { qualified: Qualified[]; shortfalls: Shortfall[] } {
  const qualified: Qualified[] = [];
  const shortfalls: Shortfall[] = [];
  for (const rule of rules) {
    const eligible = lines.filter((line) => rule.matcher.matches(line.product));
    if (eligible.length === 0) continue;
    const subtotal = eligible.reduce((sum, line) => sum.plus(line.amount), ZERO);
    const minimum = convert(rule.minSubtotal ?? ZERO);
    if (subtotal.gte(minimum)) qualified.push({ rule, eligible });
    else shortfalls.push({ rule, shortBy: minimum.minus(subtotal), lines: eligible.map((line) => line.index) });
  }
  return { qualified, shortfalls };
}

/** The alternatives: every rule alone, then the chain of the compound ones (when two or more). */
function alternatives(qualified: readonly Qualified[]): Qualified[][] {
  const options = qualified.map((entry) => [entry]);
  const compound = qualified.filter((entry) => entry.rule.concurrency === 'compound');
  if (compound.length > 1) options.push(compound);
  return options;
}

export function applyThresholds(
  lines: readonly CartLevelLine[],
  rules: readonly CompiledRule[],
  convert: (amount: Decimal) => Decimal,
): ThresholdOutcome {
  const { qualified, shortfalls } = qualify(lines, rules, convert);
  // A rule alone takes a known amount off its lines (no need to spread it to compare); only
  // the chain of compound rules is worked out line by line. The winner is then spread.
  let winner: Qualified[] | undefined;
  let most = ZERO;
  for (const option of alternatives(qualified)) {
    const total =
      option.length === 1 ? aloneTotal(option[0] as Qualified, convert) : chainOnLines(lines, option, convert).total;
    if (total.gt(most)) {
      most = total;
      winner = option;
    }
  }
  if (!winner) return { parts: new Map(), total: ZERO, applied: [], shortfalls };
  return { ...chainOnLines(lines, winner, convert), shortfalls };
}

function aloneTotal({ rule, eligible }: Qualified, convert: (amount: Decimal) => Decimal): Decimal {
  const subtotal = eligible.reduce((sum, line) => sum.plus(line.amount), ZERO);
  const benefit = rule.benefit;
  if (benefit?.type === 'percent') return subtotal.times(benefit.fraction);
  if (benefit?.type === 'amount') return minDecimal(convert(benefit.amount), subtotal);
  return ZERO;
}

/** Percentages first (each on its lines' current amounts), then amounts spread in proportion. */
function chainOnLines(
  lines: readonly CartLevelLine[],
  chain: readonly Qualified[],
  convert: (amount: Decimal) => Decimal,
): Omit<ThresholdOutcome, 'shortfalls'> {
  const current = new Map(lines.map((line) => [line.index, line.amount]));
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
  lines: readonly CartLevelLine[],
  rules: readonly CompiledRule[],
  convert: (amount: Decimal) => Decimal,
): ShippingOutcome {
  const { qualified, shortfalls } = qualify(lines, rules, convert);
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
    if (discount.gt(best.discount)) best = { discount, parts, shortfalls };
  }
  return best;
}
