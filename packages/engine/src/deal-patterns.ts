import type { Deal, DealBenefit, DealGroup, DealType } from './deal-types';

/**
 * Set patterns of a deal: every distinct way the units at hand can fill one set, with what
 * the set saves over the units' standalone prices, and the per-unit bounds the search uses.
 */

/** Savings closer than this are equal (the search works on numbers, the cart in decimals). */
export const EPSILON = 1e-9;

export interface Pattern {
  /** [type, count] pairs, types ascending. */
  usage: readonly (readonly [number, number])[];
  slots: readonly { type: number; group: number }[];
  saving: number;
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

export function fits(pattern: Pattern, remaining: readonly number[]): boolean {
  for (const [type, count] of pattern.usage) if ((remaining[type] as number) < count) return false;
  return true;
}

export function take(pattern: Pattern, remaining: number[], sign: number): void {
  for (const [type, count] of pattern.usage) remaining[type] = (remaining[type] as number) + sign * count;
}

/** gain[d][t]: the most one unit of type t can save in deals d.. (suffix maximum of unitGains). */
export function suffixUnitGains(types: readonly DealType[], deals: readonly Deal[]): Map<number, number>[] {
  const gain = deals.map((deal) => unitGains(types, deal));
  for (let d = deals.length - 2; d >= 0; d -= 1) {
    const here = gain[d] as Map<number, number>;
    for (const [type, value] of gain[d + 1] as Map<number, number>) {
      if (value > (here.get(type) ?? 0)) here.set(type, value);
    }
  }
  return gain;
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
export function listPatterns(
  types: readonly DealType[],
  deal: Deal,
  limit: number,
): { patterns: Pattern[]; truncated: boolean } {
  // With one group every multiset is listed once; with several, two slot layouts can use the
  // same units, and only the better of them is kept.
  const byUsage = deal.groups.length > 1 ? new Map<string, Pattern>() : undefined;
  const found: Pattern[] = [];
  const available = types.map((type) => type.count);
  const slots: { type: number; group: number }[] = [];
  let truncated = false;
  let visited = 0;
  let standalone = 0;
  let discountedSum = 0;
  let discountedMin = Number.POSITIVE_INFINITY;
  let othersSum = 0;
  const benefit = deal.benefit;
  const fill = (groupIndex: number, slotInGroup: number, minPosition: number): void => {
    if (truncated) return;
    if (groupIndex === deal.groups.length) {
      visited += 1;
      if (visited > limit * 5) {
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
      const info = types[type] as DealType;
      const before0 = standalone;
      const before1 = discountedSum;
      const before2 = discountedMin;
      const before3 = othersSum;
      available[type] = (available[type] as number) - 1;
      standalone += info.standalone;
      if (group.discounted) {
        discountedSum += info.price;
        discountedMin = Math.min(discountedMin, info.price);
      } else {
        othersSum += info.price;
      }
      slots.push({ type, group: groupIndex });
      fill(groupIndex, slotInGroup + 1, position);
      slots.pop();
      available[type] = (available[type] as number) + 1;
      standalone = before0;
      discountedSum = before1;
      discountedMin = before2;
      othersSum = before3;
    }
  };
  const record = (): void => {
    let cost: number;
    switch (benefit.type) {
      case 'percent':
        cost = discountedSum * (1 - benefit.fraction);
        break;
      case 'amount':
        cost = Math.max(0, discountedSum - benefit.amount);
        break;
      case 'dealPrice':
        cost = Math.min(discountedSum, benefit.price);
        break;
      case 'leastExpensiveFree':
        cost = discountedSum - (Number.isFinite(discountedMin) ? discountedMin : 0);
        break;
    }
    const saving = standalone - othersSum - cost;
    if (saving <= EPSILON) return;
    // One group fills its slots in eligible order (ascending types): already sorted.
    const sorted = byUsage ? slots.map((slot) => slot.type).sort((a, b) => a - b) : slots.map((slot) => slot.type);
    const usage: [number, number][] = [];
    for (const type of sorted) {
      const last = usage[usage.length - 1];
      if (last && last[0] === type) last[1] += 1;
      else usage.push([type, 1]);
    }
    const pattern = { usage, slots: slots.slice(), saving };
    if (!byUsage) {
      found.push(pattern);
      return;
    }
    const key = usage.map(([type, count]) => `${type}x${count}`).join(',');
    const existing = byUsage.get(key);
    if (!existing || saving > existing.saving + EPSILON) byUsage.set(key, pattern);
  };
  fill(0, 0, 0);
  const patterns = (byUsage ? [...byUsage.values()] : found).sort((a, b) => b.saving - a.saving || compareUsage(a, b));
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
