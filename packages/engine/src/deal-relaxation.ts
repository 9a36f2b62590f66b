import { EPSILON, fits, type Pattern, take } from './deal-patterns';
import type { Deal } from './deal-types';
import { type LpColumn, LpWorkspace, solvePackingLp } from './packing-lp';

/**
 * The LP relaxation of the best-deal problem over one group of competing deals (rows: units
 * of each type, and the limit of each deal that has one; columns: set patterns), and the
 * quick answers built on it: greedy sets, LP rounding, an LP dive.
 */

/** The rows and columns of the LP relaxation over a component: types, then deal limits. */
export class PackingModel {
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
      const rows = pattern.usage.map(([type]) => this.rowOfType.get(type) as number);
      const coefficients = pattern.usage.map(([, count]) => count);
      if (limit >= 0) {
        rows.push(limit);
        coefficients.push(1);
      }
      column = { value: pattern.saving, rows, coefficients };
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
export function roundedDown(
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
export function lpDive(
  model: PackingModel,
  columns: readonly { d: number; pattern: Pattern }[],
  deals: readonly Deal[],
  remaining: number[],
  used: number[],
): { saving: number; sets: { deal: number; pattern: Pattern }[] } {
  const sets: { deal: number; pattern: Pattern }[] = [];
  let saving = 0;
  const stillOpen = ({ d, pattern }: { d: number; pattern: Pattern }) =>
    fits(pattern, remaining) && (used[d] as number) < (deals[d] as Deal).maxApplications;
  let open = columns.filter(stillOpen);
  // The LP columns of the open patterns, kept alongside them.
  let openColumns = open.map(({ d, pattern }) => model.column(d, pattern));
  while (open.length > 0) {
    const { primal } = model.solveColumns(openColumns, remaining, used);
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
    const nextOpen: typeof open = [];
    const nextColumns: typeof openColumns = [];
    open.forEach((candidate, at) => {
      if (!stillOpen(candidate)) return;
      nextOpen.push(candidate);
      nextColumns.push(openColumns[at] as (typeof openColumns)[number]);
    });
    open = nextOpen;
    openColumns = nextColumns;
  }
  return { saving, sets };
}

export function isWhole(primal: ReadonlyMap<number, number>): boolean {
  for (const value of primal.values()) if (Math.abs(value - Math.round(value)) > 1e-7) return false;
  return true;
}

/** Given sets first (if they fit), then repeatedly the best set that still fits: a first answer. */
export function greedySets(
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
  // Lists are sorted by saving, and units only run out: a pattern that no longer fits never
  // will again, so each list is read once from its cursor on.
  const cursor = patterns.map(() => 0);
  for (;;) {
    let pick: { deal: number; pattern: Pattern } | undefined;
    patterns.forEach((list, d) => {
      if ((used[d] as number) >= (deals[d] as Deal).maxApplications) return;
      let at = cursor[d] as number;
      while (at < list.length && !fits(list[at] as Pattern, remaining)) at += 1;
      cursor[d] = at;
      const pattern = list[at];
      if (pattern && (!pick || pattern.saving > pick.pattern.saving)) pick = { deal: d, pattern };
    });
    if (!pick) return { saving, sets };
    apply(pick);
  }
}

/** What a column's units (and its deal's limit) cost at the given dual prices. */
export function columnPrice(column: LpColumn, duals: Float64Array): number {
  let total = 0;
  for (let e = 0; e < column.rows.length; e += 1) {
    total += (duals[column.rows[e] as number] as number) * (column.coefficients[e] as number);
  }
  return total;
}
