import { Decimal } from '../../src';

/**
 * An independent, exhaustive model of one priority of line rules (withinPriority), written
 * from FORMAT.md and not from the engine's code: every unit either takes its best option
 * alone (one non-compound rule, or the chain of the compound ones) or fills a slot of a
 * mix-and-match set; every partition of the units into sets is tried.
 */

export interface BruteUnit {
  sku: string;
  category: string;
  price: Decimal;
}

export type BruteScope = { skus?: string[]; categories?: string[] };

export type BruteRule =
  | {
      kind: 'discount';
      concurrency: 'exclusive' | 'bestPrice' | 'compound';
      scope: BruteScope;
      percentOff?: Decimal;
      amountOff?: Decimal;
    }
  | {
      kind: 'mixMatch';
      groups: { scope: BruteScope; qty: number; discounted?: boolean }[];
      benefit:
        | { type: 'dealPrice'; price: Decimal }
        | { type: 'percent'; percent: Decimal }
        | { type: 'amount'; amount: Decimal }
        | { type: 'leastExpensiveFree' };
      maxApplications?: number;
    };

function inScope(scope: BruteScope, unit: BruteUnit): boolean {
  if (!scope.skus && !scope.categories) return true;
  return (scope.skus?.includes(unit.sku) ?? false) || (scope.categories?.includes(unit.category) ?? false);
}

const ZERO = new Decimal(0);

function afterDiscount(rule: Extract<BruteRule, { kind: 'discount' }>, price: Decimal): Decimal {
  if (rule.percentOff) return price.minus(price.times(rule.percentOff).dividedBy(100));
  const off = rule.amountOff ?? ZERO;
  return off.gt(price) ? ZERO : price.minus(off);
}

/** The cheapest a unit can be outside any set. */
export function bestAlone(unit: BruteUnit, rules: readonly BruteRule[]): Decimal {
  let best = unit.price;
  const compound: Extract<BruteRule, { kind: 'discount' }>[] = [];
  for (const rule of rules) {
    if (rule.kind !== 'discount' || !inScope(rule.scope, unit)) continue;
    if (rule.concurrency === 'compound') {
      compound.push(rule);
      continue;
    }
    const price = afterDiscount(rule, unit.price);
    if (price.lt(best)) best = price;
  }
  if (compound.length > 0) {
    let price = unit.price;
    for (const rule of compound) if (rule.percentOff) price = afterDiscount(rule, price);
    for (const rule of compound) if (rule.amountOff) price = afterDiscount(rule, price);
    if (price.lt(best)) best = price;
  }
  return best;
}

function setCost(
  rule: Extract<BruteRule, { kind: 'mixMatch' }>,
  members: { unit: BruteUnit; group: number }[],
): Decimal {
  const marked = rule.groups.some((group) => group.discounted);
  const discounted = members.filter((member) => !marked || rule.groups[member.group]?.discounted);
  const others = members.filter((member) => !discounted.includes(member));
  const otherSum = others.reduce((sum, member) => sum.plus(member.unit.price), ZERO);
  const sum = discounted.reduce((total, member) => total.plus(member.unit.price), ZERO);
  const benefit = rule.benefit;
  let cost: Decimal;
  switch (benefit.type) {
    case 'dealPrice':
      cost = Decimal.min(sum, benefit.price);
      break;
    case 'percent':
      cost = sum.minus(sum.times(benefit.percent).dividedBy(100));
      break;
    case 'amount':
      cost = Decimal.max(ZERO, sum.minus(benefit.amount));
      break;
    case 'leastExpensiveFree':
      cost = sum.minus(discounted.reduce((low, member) => Decimal.min(low, member.unit.price), sum));
      break;
  }
  return otherSum.plus(cost);
}

/**
 * The least the units can cost under the rules (exact, before rounding). Tries every way to
 * partition the units into sets: the first open unit either stays alone or joins a set (in
 * any group it fits) whose other members are chosen among the later open units. Memoised on
 * the open units and the sets used per deal, which only skips repeats of the same question.
 */
export function bruteForceTotal(units: readonly BruteUnit[], rules: readonly BruteRule[]): Decimal {
  const alone = units.map((unit) => bestAlone(unit, rules));
  const deals = rules.filter((rule): rule is Extract<BruteRule, { kind: 'mixMatch' }> => rule.kind === 'mixMatch');
  const used = units.map(() => false);
  const applications = deals.map(() => 0);
  const memo = new Map<string, Decimal>();

  const rest = (): Decimal => {
    const first = used.indexOf(false);
    if (first === -1) return ZERO;
    const key = `${used.map((flag) => (flag ? 1 : 0)).join('')}|${applications.join(',')}`;
    const known = memo.get(key);
    if (known) return known;
    used[first] = true;
    let best = (alone[first] as Decimal).plus(rest());
    deals.forEach((deal, dealIndex) => {
      if (applications[dealIndex] === (deal.maxApplications ?? Number.POSITIVE_INFINITY)) return;
      deal.groups.forEach((firstGroup, firstGroupIndex) => {
        if (!inScope(firstGroup.scope, units[first] as BruteUnit)) return;
        const members = [{ unit: units[first] as BruteUnit, group: firstGroupIndex }];
        const need = deal.groups.map((group, index) => group.qty - (index === firstGroupIndex ? 1 : 0));
        const fill = (group: number, from: number): void => {
          if (group === deal.groups.length) {
            applications[dealIndex] = (applications[dealIndex] as number) + 1;
            const cost = setCost(deal, members).plus(rest());
            applications[dealIndex] = (applications[dealIndex] as number) - 1;
            if (cost.lt(best)) best = cost;
            return;
          }
          if (
            members.filter((member) => member.group === group).length - (group === firstGroupIndex ? 1 : 0) ===
            need[group]
          ) {
            fill(group + 1, first + 1);
            return;
          }
          for (let candidate = from; candidate < units.length; candidate += 1) {
            if (used[candidate] || !inScope(deal.groups[group]?.scope ?? {}, units[candidate] as BruteUnit)) continue;
            used[candidate] = true;
            members.push({ unit: units[candidate] as BruteUnit, group });
            fill(group, candidate + 1);
            members.pop();
            used[candidate] = false;
          }
        };
        fill(0, first + 1);
      });
    });
    used[first] = false;
    memo.set(key, best);
    return best;
  };
  return rest();
}
