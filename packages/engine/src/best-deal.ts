import { type LpColumn, LpWorkspace, solvePackingLp } from './packing-lp';

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

const EPSILON = 1e-9;

/** A live pattern of a deal, with its reduced saving at the root and its LP column. */
interface Candidate {
  d: number;
  pattern: Pattern;
  reduced: number;
  column: LpColumn;
}

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
      eligible: [...new Set(group.eligible.map((type) => poolIndex[type] as number))],
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

/** The rows and columns of the LP relaxation over a component: types, then deal limits. */
class PackingModel {
  private readonly rowOfType = new Map<number, number>();
  private readonly columns = new Map<Pattern, LpColumn>();
  private readonly limitRow: number[];
  private readonly rows: number;
  private readonly workspace: LpWorkspace;

  constructor(
    private readonly typeIds: readonly number[],
    private readonly deals: readonly Deal[],
  ) {
    typeIds.forEach((type, row) => {
      this.rowOfType.set(type, row);
    });
    let rows = typeIds.length;
    this.limitRow = deals.map((deal) => (Number.isFinite(deal.maxApplications) ? rows++ : -1));
    this.rows = rows;
    this.workspace = new LpWorkspace(rows);
  }

  solve(columns: readonly { d: number; pattern: Pattern }[], remaining: readonly number[], used: readonly number[]) {
    return this.solveColumns(
      columns.map(({ d, pattern }) => this.column(d, pattern)),
      remaining,
      used,
    );
  }

  solveColumns(columns: readonly LpColumn[], remaining: readonly number[], used: readonly number[]) {
    const rhs = new Array<number>(this.rows);
    this.typeIds.forEach((type, row) => {
      rhs[row] = remaining[type] as number;
    });
    this.deals.forEach((deal, d) => {
      const row = this.limitRow[d] as number;
      if (row >= 0) rhs[row] = Math.max(0, deal.maxApplications - (used[d] as number));
    });
    return solvePackingLp(columns, rhs, undefined, this.workspace);
  }

  /** A pattern's LP column, built once. */
  column(d: number, pattern: Pattern): LpColumn {
    let column = this.columns.get(pattern);
    if (!column) {
      const limit = this.limitRow[d] as number;
      const size = pattern.usage.length + (limit >= 0 ? 1 : 0);
      column = { value: pattern.saving, rows: new Int32Array(size), coefficients: new Float64Array(size) };
      pattern.usage.forEach(([type, count], at) => {
        (column as LpColumn).rows[at] = this.rowOfType.get(type) as number;
        (column as LpColumn).coefficients[at] = count;
      });
      if (limit >= 0) {
        column.rows[size - 1] = limit;
        column.coefficients[size - 1] = 1;
      }
      this.columns.set(pattern, column);
    }
    return column;
  }

  typePrice(type: number, duals: Float64Array): number {
    return duals[this.rowOfType.get(type) as number] ?? 0;
  }

  limitPrice(d: number, duals: Float64Array): number {
    const row = this.limitRow[d] as number;
    return row >= 0 ? (duals[row] ?? 0) : 0;
  }

  /** What a pattern's units and its deal's limit cost at the dual prices. */
  price(d: number, pattern: Pattern, duals: Float64Array): number {
    let total = this.limitPrice(d, duals);
    for (const [type, count] of pattern.usage) total += count * this.typePrice(type, duals);
    return total;
  }
}

/** The LP solution's whole sets: each pattern as many times as its value rounds down to. */
function roundedDown(
  columns: readonly { d: number; pattern: Pattern }[],
  primal: ReadonlyMap<number, number>,
): { deal: number; pattern: Pattern }[] {
  const sets: { deal: number; pattern: Pattern }[] = [];
  for (const [index, value] of primal) {
    const { d, pattern } = columns[index] as { d: number; pattern: Pattern };
    for (let k = 0; k < Math.floor(value + EPSILON); k += 1) sets.push({ deal: d, pattern });
  }
  return sets;
}

/**
 * LP diving: solve the relaxation, take one set of the pattern the LP uses most, repeat until
 * nothing fits. A few LPs for an answer that is usually the best or close to it.
 */
function lpDive(
  model: PackingModel,
  columns: readonly { d: number; pattern: Pattern }[],
  deals: readonly Deal[],
  remaining: number[],
  used: number[],
): { saving: number; sets: { deal: number; pattern: Pattern }[] } {
  const sets: { deal: number; pattern: Pattern }[] = [];
  let saving = 0;
  let open = columns.filter(
    ({ d, pattern }) => fits(pattern, remaining) && (used[d] as number) < (deals[d] as Deal).maxApplications,
  );
  while (open.length > 0) {
    const { primal } = model.solve(open, remaining, used);
    let pick = -1;
    let most = 0;
    for (const [index, value] of primal) {
      if (value > most + EPSILON) {
        most = value;
        pick = index;
      }
    }
    if (pick < 0) break;
    const chosen = open[pick] as { d: number; pattern: Pattern };
    for (let k = 0; k < Math.max(1, Math.floor(most + EPSILON)); k += 1) {
      if (!fits(chosen.pattern, remaining) || (used[chosen.d] as number) >= (deals[chosen.d] as Deal).maxApplications)
        break;
      take(chosen.pattern, remaining, -1);
      used[chosen.d] = (used[chosen.d] as number) + 1;
      sets.push({ deal: chosen.d, pattern: chosen.pattern });
      saving += chosen.pattern.saving;
    }
    open = open.filter(
      ({ d, pattern }) => fits(pattern, remaining) && (used[d] as number) < (deals[d] as Deal).maxApplications,
    );
  }
  return { saving, sets };
}

function isWhole(primal: ReadonlyMap<number, number>): boolean {
  for (const value of primal.values()) if (Math.abs(value - Math.round(value)) > 1e-7) return false;
  return true;
}

/** Given sets first (if they fit), then repeatedly the best set that still fits: a first answer. */
function greedySets(
  deals: readonly Deal[],
  patterns: readonly Pattern[][],
  remaining: number[],
  used: number[],
  given: readonly { deal: number; pattern: Pattern }[],
): { saving: number; sets: { deal: number; pattern: Pattern }[] } {
  const sets: { deal: number; pattern: Pattern }[] = [];
  let saving = 0;
  const apply = (set: { deal: number; pattern: Pattern }) => {
    take(set.pattern, remaining, -1);
    used[set.deal] = (used[set.deal] as number) + 1;
    sets.push(set);
    saving += set.pattern.saving;
  };
  for (const set of given) {
    if (fits(set.pattern, remaining) && (used[set.deal] as number) < (deals[set.deal] as Deal).maxApplications)
      apply(set);
  }
  for (;;) {
    let pick: { deal: number; pattern: Pattern } | undefined;
    patterns.forEach((list, d) => {
      if ((used[d] as number) >= (deals[d] as Deal).maxApplications) return;
      const pattern = list.find((candidate) => fits(candidate, remaining));
      if (pattern && (!pick || pattern.saving > pick.pattern.saving)) pick = { deal: d, pattern };
    });
    if (!pick) return { saving, sets };
    apply(pick);
  }
}

/** What a column's units (and its deal's limit) cost at the given dual prices. */
function columnPrice(column: LpColumn, duals: Float64Array): number {
  let total = 0;
  for (let e = 0; e < column.rows.length; e += 1) {
    total += (duals[column.rows[e] as number] as number) * (column.coefficients[e] as number);
  }
  return total;
}

function fits(pattern: Pattern, remaining: readonly number[]): boolean {
  for (const [type, count] of pattern.usage) if ((remaining[type] as number) < count) return false;
  return true;
}

function take(pattern: Pattern, remaining: number[], sign: number): void {
  for (const [type, count] of pattern.usage) remaining[type] = (remaining[type] as number) + sign * count;
}

/** gain[d][t]: the most one unit of type t can save in deals d.. (suffix maximum of unitGains). */
function suffixUnitGains(types: readonly DealType[], deals: readonly Deal[]): Map<number, number>[] {
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
function listPatterns(
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
      const before = { standalone, discountedSum, discountedMin, othersSum };
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
      ({ standalone, discountedSum, discountedMin, othersSum } = before);
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
    const sorted = slots.map((slot) => slot.type).sort((a, b) => a - b);
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
