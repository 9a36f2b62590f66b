import { EPSILON, fits, listPatterns, type Pattern, suffixUnitGains, take } from './deal-patterns';
import { columnPrice, greedySets, isWhole, lpDive, PackingModel, roundedDown } from './deal-relaxation';
import type { Deal, DealApplication, DealSolution, DealType } from './deal-types';
import type { LpColumn } from './packing-lp';

export { setCost } from './deal-patterns';
export type { Deal, DealApplication, DealBenefit, DealGroup, DealSolution, DealType } from './deal-types';

/**
 * The best deal: which units go into which mix-and-match sets so that the customer pays the
 * least — an integer program, solved exactly on plain numbers (the caller recomputes the
 * chosen sets in decimals).
 *
 * - Units are pooled by type; types with the same price, standalone price and places in every
 *   deal are pooled too. Deals that share no unit are solved apart.
 * - Every set pattern of each deal is listed (deal-patterns.ts), and the LP relaxation over
 *   them solved (deal-relaxation.ts, packing-lp.ts). Greedy sets, the LP rounded down and an
 *   LP dive give a first answer; if the LP's value is no better, that answer is proved best.
 * - Otherwise a branch and bound: a node adds one more set of the current deal (patterns in a
 *   fixed order, each no earlier than the last, so each multiset of sets is seen once) or
 *   moves on to the next deal. Patterns whose reduced saving cannot beat the best known are
 *   dropped; each node's bound is the LP of what is left (a node whose LP answer is whole is
 *   solved outright), and its dual prices prune its children.
 * - Beyond SEARCH_LIMITS the best found is returned and flagged (exact: false).
 */

export const SEARCH_LIMITS = {
  /**
   * Search nodes per group of competing deals before the search stops with its best found
   * (each node solves a small LP). Ten competing deals over 30 units take a few hundred.
   */
  nodes: 20_000,
  /**
   * Set patterns per deal. A deal with more possible sets (say "any 6 of 40 different SKUs")
   * is priced from its best patterns by LP rounding and greedy completion, flagged approximate.
   */
  patterns: 20_000,
};

/** A live pattern of a deal, with its reduced saving at the root and its LP column. */
interface Candidate {
  d: number;
  pattern: Pattern;
  reduced: number;
  column: LpColumn;
}

export function bestDeal(
  types: readonly DealType[],
  deals: readonly Deal[],
  limits: { nodes: number; patterns: number } = SEARCH_LIMITS,
): DealSolution {
  const solution: DealSolution = { applications: [], saving: 0, exact: true, nodes: 0 };
  const pooled = poolInterchangeable(types, deals.map(withDiscountedGroups));
  for (const component of components(pooled.types, pooled.deals)) {
    const part = solveComponent(pooled.types, pooled.deals, component, limits);
    solution.applications.push(...part.applications);
    solution.saving += part.saving;
    solution.exact &&= part.exact;
    solution.nodes += part.nodes;
  }
  solution.applications = pooled.unpool(solution.applications);
  return solution;
}

/**
 * Types with the same price, the same standalone price and the same places in every deal
 * are interchangeable ("any 5 yogurts" over twenty flavours at one price): the search pools
 * them, and the answer takes their units back in type order.
 */
function poolInterchangeable(
  types: readonly DealType[],
  deals: readonly Deal[],
): { types: DealType[]; deals: Deal[]; unpool: (applications: DealApplication[]) => DealApplication[] } {
  const places = types.map(() => [] as string[]);
  deals.forEach((deal, d) => {
    deal.groups.forEach((group, g) => {
      for (const type of group.eligible) places[type]?.push(`${d}.${g}`);
    });
  });
  const poolOf = new Map<string, number>();
  const members: number[][] = [];
  const pooledTypes: DealType[] = [];
  const poolIndex = types.map((type, index) => {
    const key = `${type.price}|${type.standalone}|${(places[index] as string[]).join(',')}`;
    let pool = poolOf.get(key);
    if (pool === undefined) {
      pool = pooledTypes.length;
      poolOf.set(key, pool);
      pooledTypes.push({ ...type, count: 0 });
      members.push([]);
    }
    (pooledTypes[pool] as DealType).count += type.count;
    (members[pool] as number[]).push(index);
    return pool;
  });
  const pooledDeals = deals.map((deal) => ({
    ...deal,
    groups: deal.groups.map((group) => ({
      ...group,
      eligible: [...new Set(group.eligible.map((type) => poolIndex[type] as number))].sort((a, b) => a - b),
    })),
  }));
  const unpool = (applications: DealApplication[]): DealApplication[] => {
    const left = types.map((type) => type.count);
    return applications.map((application) => ({
      deal: application.deal,
      slots: application.slots.map((slot) => {
        const type = (members[slot.type] as number[]).find((member) => (left[member] as number) > 0) as number;
        left[type] = (left[type] as number) - 1;
        return { type, group: slot.group };
      }),
    }));
  };
  return { types: pooledTypes, deals: pooledDeals, unpool };
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
  const remaining = types.map((type) => type.count);
  const used = deals.map(() => 0);
  const model = new PackingModel(component.types, deals);
  const everything = patterns.flatMap((list, d) => list.map((pattern) => ({ d, pattern })));
  const root = model.solve(everything, remaining, used);

  let best = greedySets(deals, patterns, remaining.slice(), used.slice(), []);
  const rounded = greedySets(deals, patterns, remaining.slice(), used.slice(), roundedDown(everything, root.primal));
  if (rounded.saving > best.saving + EPSILON) best = rounded;
  // Dive over the patterns that could still beat the rounded answer (few, so the LPs are small).
  const promising = root.optimal
    ? everything.filter(
        ({ d, pattern }) => root.value + pattern.saving - model.price(d, pattern, root.duals) > best.saving + EPSILON,
      )
    : everything;
  const dived = lpDive(model, promising, deals, remaining.slice(), used.slice());
  if (dived.saving > best.saving + EPSILON) best = dived;
  const finish = (nodes: number): DealSolution => ({
    applications: best.sets.map((set) => ({ deal: component.deals[set.deal] as number, slots: set.pattern.slots })),
    saving: best.saving,
    exact,
    nodes,
  });
  if (root.optimal && root.value <= best.saving + EPSILON) return finish(0);
  // Too many sets to list: the best of greedy, LP rounding and the LP dive, flagged approximate.
  if (!exact) return finish(0);

  // Reduced savings under the LP's dual prices. With an optimal LP none is positive, and a
  // solution holding pattern p is worth at most root.value + reduced(p): patterns that cannot
  // beat the best known are dropped, and the rest are tried in the order the LP favours.
  const duals = root.duals;
  const reducedOf = (d: number, pattern: Pattern) => pattern.saving - model.price(d, pattern, duals);
  const alive = (d: number, pattern: Pattern) =>
    !root.optimal || root.value + reducedOf(d, pattern) > best.saving + EPSILON;
  const ordered: Candidate[][] = patterns.map((list, d) =>
    list
      .filter((pattern) => alive(d, pattern))
      .map((pattern) => ({ d, pattern, reduced: reducedOf(d, pattern), column: model.column(d, pattern) }))
      .sort((a, b) => b.reduced - a.reduced || b.pattern.saving - a.pattern.saving),
  );
  // typesFrom[d]: the types some deal d.. can take; other units are worth nothing further on.
  const typesFrom: number[][] = [];
  for (let d = deals.length - 1, acc = new Set<number>(); d >= 0; d -= 1) {
    for (const group of (deals[d] as Deal).groups) for (const type of group.eligible) acc.add(type);
    typesFrom[d] = [...acc];
  }
  const gain = suffixUnitGains(types, deals);
  /**
   * A quick bound on what deals d.. can still save: with optimal duals, the dual value of the
   * remaining units and limits (valid for every smaller LP); otherwise each unit at its best
   * per-unit gain.
   */
  const quickBound = (d: number): number => {
    let total = 0;
    if (root.optimal) {
      for (const type of typesFrom[d] as number[]) total += (remaining[type] as number) * model.typePrice(type, duals);
      for (let next = d; next < deals.length; next += 1) {
        const price = model.limitPrice(next, duals);
        if (price > 0) total += price * ((deals[next] as Deal).maxApplications - (used[next] as number));
      }
      return total;
    }
    for (const [type, value] of gain[d] as Map<number, number>) total += (remaining[type] as number) * value;
    return total;
  };

  const chosen: { deal: number; pattern: Pattern }[] = [];
  const seen = new Map<string, number>();
  let nodes = 0;
  let stopped = false;
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
    const quick = quickBound(d);
    if (saving + quick <= best.saving + EPSILON) return;
    if (from === 0) {
      // Same deal, same sets of it so far (a limit may apply), same units left: same future.
      const key = `${d}:${used[d]}:${component.types.map((type) => remaining[type]).join(',')}`;
      const before = seen.get(key);
      if (before !== undefined && before >= saving - EPSILON) return;
      seen.set(key, saving);
    }
    // The LP of what is left (live patterns that still fit): a tighter bound at a price.
    const open: Candidate[] = [];
    const columns: LpColumn[] = [];
    for (let next = d; next < deals.length; next += 1) {
      if ((used[next] as number) >= (deals[next] as Deal).maxApplications) continue;
      const list = ordered[next] as Candidate[];
      for (let index = next === d ? from : 0; index < list.length; index += 1) {
        const candidate = list[index] as Candidate;
        // Sorted by reduced saving: the rest cannot be in an answer better than the best known.
        if (root.optimal && root.value + candidate.reduced <= best.saving + EPSILON) break;
        if (!fits(candidate.pattern, remaining)) continue;
        open.push(candidate);
        columns.push(candidate.column);
      }
    }
    if (open.length === 0) return;
    const local = model.solveColumns(columns, remaining, used);
    if (local.optimal && saving + local.value <= best.saving + EPSILON) return;
    if (local.optimal && isWhole(local.primal)) {
      // The relaxation's best is made of whole sets: it is this subtree's best.
      best = { saving: saving + local.value, sets: [...chosen, ...roundedDown(open, local.primal)] };
      return;
    }
    const deal = deals[d] as Deal;
    const list = ordered[d] as Candidate[];
    if ((used[d] as number) < deal.maxApplications) {
      for (let index = from; index < list.length; index += 1) {
        const { pattern, reduced, column } = list[index] as Candidate;
        // A child is worth at most this node's dual bound plus the pattern's reduced saving;
        // the list is sorted by it, so the first one that cannot beat the best ends the scan.
        if (root.optimal && saving + quick + reduced <= best.saving + EPSILON) break;
        if (!fits(pattern, remaining)) continue;
        // The same with this node's own LP prices, which are tighter here than the root's.
        if (
          local.optimal &&
          saving + local.value + pattern.saving - columnPrice(column, local.duals) <= best.saving + EPSILON
        ) {
          continue;
        }
        take(pattern, remaining, -1);
        used[d] = (used[d] as number) + 1;
        chosen.push({ deal: d, pattern });
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
  return finish(nodes);
}
