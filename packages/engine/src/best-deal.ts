/**
 * The best deal: which units go into which mix-and-match sets so that the customer pays the
 * least. An exact branch and bound over sets, on plain numbers (the caller recomputes the
 * chosen sets exactly in decimals).
 *
 * - Units are pooled by type (same SKU and price): only counts matter.
 * - Deals and types that share no unit are split into independent components.
 * - For each deal, every set pattern (how many units of each type fill each group) is listed
 *   once, best saving first; a search node either adds one more set of the current deal (with
 *   a pattern no better-ranked than the last one, so each multiset of sets is seen once) or
 *   moves on to the next deal.
 * - Bound: each remaining unit can at most save its best "per-unit share" of any deal still
 *   to come (a valid aggregate bound for every benefit, see `unitShareBound`). A node whose
 *   saving plus bound cannot beat the best found is cut; a state reached again with no more
 *   saving than before is cut.
 * - The first path taken is the greedy one, so the best found is always at least greedy.
 *   Beyond SEARCH_LIMITS the search stops with the best found and says so (exact: false).
 */

export interface DealType {
  /** Units available. */
  count: number;
  /** Unit price now (before this priority). */
  price: number;
  /** Unit price if the unit takes its best option outside any set (≤ price). */
  standalone: number;
}

export interface DealGroup {
  qty: number;
  /** Type indices that may fill this group. */
  eligible: readonly number[];
  /** Whether the benefit goes to this group's units (all groups when none is marked). */
  discounted: boolean;
}

export type DealBenefit =
  | { type: 'percent'; fraction: number }
  | { type: 'amount'; amount: number }
  | { type: 'dealPrice'; price: number }
  | { type: 'leastExpensiveFree' };

export interface Deal {
  groups: readonly DealGroup[];
  benefit: DealBenefit;
  maxApplications: number;
}

/** One set: the deal and, per slot, the type of the unit and the group it fills. */
export interface DealApplication {
  deal: number;
  slots: readonly { type: number; group: number }[];
}

export interface DealSolution {
  applications: DealApplication[];
  /** Total saving over every unit taking its standalone price. */
  saving: number;
  /** False when a size limit stopped the search: the result is the best found, not proven best. */
  exact: boolean;
  /** Search nodes visited (for benchmarks). */
  nodes: number;
}

export const SEARCH_LIMITS = {
  /** Search nodes per component before the search stops with its best found. */
  nodes: 500_000,
  /** Set patterns listed per deal; more are cut to the best ones and the result flagged. */
  patterns: 20_000,
};

const EPSILON = 1e-9;

interface Pattern {
  /** [type, count] pairs, types ascending. */
  usage: readonly (readonly [number, number])[];
  slots: readonly { type: number; group: number }[];
  saving: number;
}

export function bestDeal(
  types: readonly DealType[],
  deals: readonly Deal[],
  limits: { nodes: number; patterns: number } = SEARCH_LIMITS,
): DealSolution {
  const solution: DealSolution = { applications: [], saving: 0, exact: true, nodes: 0 };
  const normalised = deals.map(withDiscountedGroups);
  for (const component of components(types, normalised)) {
    const part = solveComponent(types, normalised, component, limits);
    solution.applications.push(...part.applications);
    solution.saving += part.saving;
    solution.exact &&= part.exact;
    solution.nodes += part.nodes;
  }
  return solution;
}

/** A deal with no group marked gives its benefit to every group. */
function withDiscountedGroups(deal: Deal): Deal {
  if (deal.groups.some((group) => group.discounted)) return deal;
  return { ...deal, groups: deal.groups.map((group) => ({ ...group, discounted: true })) };
}

/** Deals linked by a shared type, with those types: independent sub-problems. */
function components(types: readonly DealType[], deals: readonly Deal[]): { deals: number[]; types: number[] }[] {
  const parent = deals.map((_, index) => index);
  const find = (x: number): number => {
    let root = x;
    while (parent[root] !== root) root = parent[root] as number;
    return root;
  };
  const ownerOfType = new Map<number, number>();
  deals.forEach((deal, index) => {
    for (const group of deal.groups) {
      for (const type of group.eligible) {
        if ((types[type] as DealType).count === 0) continue;
        const owner = ownerOfType.get(type);
        if (owner === undefined) ownerOfType.set(type, index);
        else parent[find(index)] = find(owner);
      }
    }
  });
  const byRoot = new Map<number, { deals: number[]; types: number[] }>();
  deals.forEach((_, index) => {
    const root = find(index);
    const entry = byRoot.get(root) ?? { deals: [], types: [] };
    entry.deals.push(index);
    byRoot.set(root, entry);
  });
  for (const [type, owner] of ownerOfType) byRoot.get(find(owner))?.types.push(type);
  return [...byRoot.values()].map((entry) => ({ deals: entry.deals, types: entry.types.sort((a, b) => a - b) }));
}

/** Cost of a set's units under its deal, given unit prices by slot. */
export function setCost(
  benefit: DealBenefit,
  discountedPrices: readonly number[],
  otherPrices: readonly number[],
): number {
  let others = 0;
  for (const price of otherPrices) others += price;
  let sum = 0;
  let cheapest = Number.POSITIVE_INFINITY;
  for (const price of discountedPrices) {
    sum += price;
    if (price < cheapest) cheapest = price;
  }
  switch (benefit.type) {
    case 'percent':
      return others + sum * (1 - benefit.fraction);
    case 'amount':
      return others + Math.max(0, sum - benefit.amount);
    case 'dealPrice':
      return others + Math.min(sum, benefit.price);
    case 'leastExpensiveFree':
      return others + sum - (discountedPrices.length > 0 ? cheapest : 0);
  }
}

function solveComponent(
  types: readonly DealType[],
  allDeals: readonly Deal[],
  component: { deals: number[]; types: number[] },
  limits: { nodes: number; patterns: number },
): DealSolution {
  let exact = true;
  const deals = component.deals.map((index) => allDeals[index] as Deal);
  const patterns = deals.map((deal) => {
    const listed = listPatterns(types, deal, limits.patterns);
    if (listed.truncated) exact = false;
    return listed.patterns;
  });
  // gain[d][t]: the most one unit of type t can save in deals d.. (suffix maximum).
  const gain = deals.map((deal) => unitGains(types, deal));
  for (let d = deals.length - 2; d >= 0; d -= 1) {
    const here = gain[d] as Map<number, number>;
    for (const [type, value] of gain[d + 1] as Map<number, number>) {
      if (value > (here.get(type) ?? 0)) here.set(type, value);
    }
  }
  const remaining = types.map((type) => type.count);
  const used = deals.map(() => 0);
  const chosen: { deal: number; pattern: Pattern }[] = [];
  const seen = new Map<string, number>();
  let best: { saving: number; sets: { deal: number; pattern: Pattern }[] } = { saving: 0, sets: [] };
  let nodes = 0;
  let stopped = false;

  const bound = (d: number): number => {
    if (d >= deals.length) return 0;
    let total = 0;
    for (const [type, value] of gain[d] as Map<number, number>) total += (remaining[type] as number) * value;
    return total;
  };

  const search = (d: number, from: number, saving: number): void => {
    if (stopped) return;
    nodes += 1;
    if (nodes > limits.nodes) {
      stopped = true;
      exact = false;
      return;
    }
    if (saving > best.saving + EPSILON) best = { saving, sets: chosen.slice() };
    if (d >= deals.length) return;
    if (saving + bound(d) <= best.saving + EPSILON) return;
    if (from === 0) {
      const key = `${d}:${component.types.map((type) => remaining[type]).join(',')}`;
      const before = seen.get(key);
      if (before !== undefined && before >= saving - EPSILON) return;
      seen.set(key, saving);
    }
    const deal = deals[d] as Deal;
    const list = patterns[d] as Pattern[];
    if ((used[d] as number) < deal.maxApplications) {
      for (let index = from; index < list.length; index += 1) {
        const pattern = list[index] as Pattern;
        if (!fits(pattern, remaining)) continue;
        take(pattern, remaining, -1);
        used[d] = (used[d] as number) + 1;
        chosen.push({ deal: component.deals[d] as number, pattern });
        search(d, index, saving + pattern.saving);
        chosen.pop();
        used[d] = (used[d] as number) - 1;
        take(pattern, remaining, 1);
        if (stopped) return;
      }
    }
    search(d + 1, 0, saving);
  };
  search(0, 0, 0);
  return {
    applications: best.sets.map((set) => ({ deal: set.deal, slots: set.pattern.slots })),
    saving: best.saving,
    exact,
    nodes,
  };
}

function fits(pattern: Pattern, remaining: readonly number[]): boolean {
  for (const [type, count] of pattern.usage) if ((remaining[type] as number) < count) return false;
  return true;
}

function take(pattern: Pattern, remaining: number[], sign: number): void {
  for (const [type, count] of pattern.usage) remaining[type] = (remaining[type] as number) + sign * count;
}

/**
 * Per type, the most one unit can save by being in a set of this deal: standalone price
 * minus a lower bound of its share of the set's cost. The bounds add up, over any set, to at
 * most the set's cost: percent — the unit's own discounted price; amount A over m discounted
 * units — price − A/m (the set costs at least Σprice − A); deal price P — P × price / (most
 * the discounted units can cost); least expensive free over m units — price × (m−1)/m
 * (the cheapest is at most the average). Units in undiscounted groups pay their price.
 */
function unitGains(types: readonly DealType[], deal: Deal): Map<number, number> {
  const discountedSlots = deal.groups.reduce((sum, group) => sum + (group.discounted ? group.qty : 0), 0);
  const gains = new Map<number, number>();
  let dearestSet = 0;
  if (deal.benefit.type === 'dealPrice') {
    const prices: number[] = [];
    for (const group of deal.groups) {
      if (!group.discounted) continue;
      for (const type of group.eligible) {
        const info = types[type] as DealType;
        for (let k = 0; k < Math.min(info.count, group.qty); k += 1) prices.push(info.price);
      }
    }
    prices.sort((a, b) => b - a);
    dearestSet = prices.slice(0, discountedSlots).reduce((sum, price) => sum + price, 0);
  }
  for (const group of deal.groups) {
    for (const type of group.eligible) {
      const info = types[type] as DealType;
      if (info.count === 0) continue;
      let share = info.price;
      if (group.discounted) {
        switch (deal.benefit.type) {
          case 'percent':
            share = info.price * (1 - deal.benefit.fraction);
            break;
          case 'amount':
            share = info.price - deal.benefit.amount / discountedSlots;
            break;
          case 'dealPrice':
            share = dearestSet > 0 ? Math.min(info.price, (deal.benefit.price * info.price) / dearestSet) : info.price;
            break;
          case 'leastExpensiveFree':
            share = (info.price * (discountedSlots - 1)) / discountedSlots;
            break;
        }
      }
      const value = Math.max(0, info.standalone - share);
      if (value > (gains.get(type) ?? 0)) gains.set(type, value);
      else if (!gains.has(type)) gains.set(type, 0);
    }
  }
  return gains;
}

/** Every distinct set of this deal the counts allow, best saving first (cheapest per unit usage kept). */
function listPatterns(
  types: readonly DealType[],
  deal: Deal,
  limit: number,
): { patterns: Pattern[]; truncated: boolean } {
  const byUsage = new Map<string, Pattern>();
  const available = types.map((type) => type.count);
  const slots: { type: number; group: number }[] = [];
  let truncated = false;
  let visited = 0;
  const fill = (groupIndex: number, slotInGroup: number, minPosition: number): void => {
    if (truncated) return;
    if (groupIndex === deal.groups.length) {
      visited += 1;
      if (visited > limit * 20) {
        truncated = true;
        return;
      }
      record();
      return;
    }
    const group = deal.groups[groupIndex] as DealGroup;
    if (slotInGroup === group.qty) {
      fill(groupIndex + 1, 0, 0);
      return;
    }
    for (let position = minPosition; position < group.eligible.length; position += 1) {
      const type = group.eligible[position] as number;
      if ((available[type] as number) === 0) continue;
      available[type] = (available[type] as number) - 1;
      slots.push({ type, group: groupIndex });
      fill(groupIndex, slotInGroup + 1, position);
      slots.pop();
      available[type] = (available[type] as number) + 1;
    }
  };
  const record = (): void => {
    const discounted: number[] = [];
    const others: number[] = [];
    let standalone = 0;
    const counts = new Map<number, number>();
    for (const slot of slots) {
      const info = types[slot.type] as DealType;
      standalone += info.standalone;
      counts.set(slot.type, (counts.get(slot.type) ?? 0) + 1);
      if ((deal.groups[slot.group] as DealGroup).discounted) discounted.push(info.price);
      else others.push(info.price);
    }
    const saving = standalone - setCost(deal.benefit, discounted, others);
    if (saving <= EPSILON) return;
    const usage = [...counts.entries()].sort((a, b) => a[0] - b[0]);
    const key = usage.map(([type, count]) => `${type}x${count}`).join(',');
    const existing = byUsage.get(key);
    if (!existing || saving > existing.saving + EPSILON) byUsage.set(key, { usage, slots: slots.slice(), saving });
  };
  fill(0, 0, 0);
  const patterns = [...byUsage.values()].sort((a, b) => b.saving - a.saving || compareUsage(a, b));
  if (patterns.length > limit) {
    truncated = true;
    patterns.length = limit;
  }
  return { patterns, truncated };
}

function compareUsage(a: Pattern, b: Pattern): number {
  const length = Math.min(a.usage.length, b.usage.length);
  for (let i = 0; i < length; i += 1) {
    const [typeA, countA] = a.usage[i] as readonly [number, number];
    const [typeB, countB] = b.usage[i] as readonly [number, number];
    if (typeA !== typeB) return typeA - typeB;
    if (countA !== countB) return countB - countA;
  }
  return a.usage.length - b.usage.length;
}
