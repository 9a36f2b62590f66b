/**
 * The LP relaxation of a packing problem, solved by a small revised simplex:
 *
 *   maximise Σ value_j x_j   subject to   Σ_j a_ij x_j ≤ b_i,  x ≥ 0,   with a ≥ 0, b ≥ 0.
 *
 * The best-deal search uses its value as a bound and its dual prices (one per row) to rank
 * set patterns and to drop those that cannot be part of a better answer. Sizes are small:
 * rows are the SKU types of one group of competing deals (tens), columns the set patterns
 * (up to thousands); the basis inverse is kept dense. Starting from the all-slack basis is
 * feasible since b ≥ 0; Dantzig's rule, switching to Bland's when the objective stalls.
 */

export interface LpColumn {
  value: number;
  /** Rows where the column has a coefficient, and those coefficients (> 0). */
  rows: readonly number[];
  coefficients: readonly number[];
}

export interface LpSolution {
  /** Objective value reached (the LP optimum when `optimal`). */
  value: number;
  /** Dual price per row, ≥ 0 (with an optimal solution, every column's reduced value ≤ 0). */
  duals: Float64Array;
  /** Value per column index, for the columns in the basis (the others are 0). */
  primal: Map<number, number>;
  optimal: boolean;
  iterations: number;
}

const TOLERANCE = 1e-9;
/** Columns priced before an improving one may enter (see partial pricing below). */
const PRICING_WINDOW = 64;

/** Working memory for LPs of up to `rows` rows, reused from one solve to the next. */
export class LpWorkspace {
  readonly basis: Int32Array;
  readonly inverse: Float64Array;
  readonly values: Float64Array;
  readonly duals: Float64Array;
  readonly alpha: Float64Array;

  constructor(readonly rows: number) {
    this.basis = new Int32Array(rows);
    this.inverse = new Float64Array(rows * rows);
    this.values = new Float64Array(rows);
    this.duals = new Float64Array(rows);
    this.alpha = new Float64Array(rows);
  }
}

export function solvePackingLp(
  columns: readonly LpColumn[],
  rhs: readonly number[],
  maxIterations = 1_000,
  workspace: LpWorkspace = new LpWorkspace(rhs.length),
): LpSolution {
  const m = rhs.length;
  if (workspace.rows !== m) throw new RangeError(`workspace has ${workspace.rows} rows, the LP ${m}`);
  // basis[row]: the basic variable of the row, a column index or -(row + 1) for a slack.
  const { basis, inverse, values, alpha } = workspace;
  const duals = new Float64Array(m);
  inverse.fill(0);
  for (let row = 0; row < m; row += 1) {
    basis[row] = -(row + 1);
    inverse[row * m + row] = 1;
    values[row] = rhs[row] as number;
  }
  let iterations = 0;
  let start = 0;
  let stalled = 0;
  let lastValue = Number.NEGATIVE_INFINITY;
  let optimal = false;

  for (; iterations < maxIterations; iterations += 1) {
    duals.fill(0);
    for (let row = 0; row < m; row += 1) {
      const cost = costOfBasic(columns, basis, row);
      if (cost === 0) continue;
      for (let k = 0; k < m; k += 1) duals[k] = (duals[k] as number) + cost * (inverse[row * m + k] as number);
    }
    const bland = stalled > 20;
    let entering = -1;
    let enteringSlack = -1;
    let bestReduced = TOLERANCE;
    // Partial pricing: columns are read a window at a time from where the last scan stopped,
    // and the best of the first window holding an improving column enters (Bland's rule reads
    // them all in order). Only a full round without one proves the LP optimal.
    const n = columns.length;
    const window = bland ? n : Math.max(PRICING_WINDOW, Math.ceil(n / 8));
    for (let scanned = 0; scanned < n; scanned += 1) {
      const j = bland ? scanned : (start + scanned) % n;
      const column = columns[j] as LpColumn;
      const rows = column.rows;
      const coefficients = column.coefficients;
      let reduced = column.value;
      for (let e = 0; e < rows.length; e += 1) {
        reduced -= (duals[rows[e] as number] as number) * (coefficients[e] as number);
      }
      if (reduced > bestReduced) {
        bestReduced = reduced;
        entering = j;
        if (bland) break;
      }
      if (entering >= 0 && (scanned + 1) % window === 0) {
        start = (j + 1) % n;
        break;
      }
    }
    if (entering < 0 || !bland) {
      for (let row = 0; row < m; row += 1) {
        const reduced = -(duals[row] as number);
        if (reduced > bestReduced) {
          bestReduced = reduced;
          entering = -1;
          enteringSlack = row;
          if (bland) break;
        }
      }
    }
    if (entering < 0 && enteringSlack < 0) {
      optimal = true;
      break;
    }
    // α = B⁻¹ a_q
    alpha.fill(0);
    if (entering >= 0) {
      const column = columns[entering] as LpColumn;
      for (let e = 0; e < column.rows.length; e += 1) {
        const row = column.rows[e] as number;
        const coefficient = column.coefficients[e] as number;
        for (let k = 0; k < m; k += 1) alpha[k] = (alpha[k] as number) + (inverse[k * m + row] as number) * coefficient;
      }
    } else {
      for (let k = 0; k < m; k += 1) alpha[k] = inverse[k * m + enteringSlack] as number;
    }
    // Ratio test; ties to the lowest basic variable (keeps Bland's rule free of cycles).
    let leaving = -1;
    let bestRatio = Number.POSITIVE_INFINITY;
    for (let row = 0; row < m; row += 1) {
      const a = alpha[row] as number;
      if (a <= TOLERANCE) continue;
      const ratio = (values[row] as number) / a;
      if (
        ratio < bestRatio - TOLERANCE ||
        (Math.abs(ratio - bestRatio) <= TOLERANCE && (basis[row] as number) < (basis[leaving] as number))
      ) {
        bestRatio = ratio;
        leaving = row;
      }
    }
    if (leaving < 0) break; // unbounded: impossible for a packing problem
    const pivot = alpha[leaving] as number;
    const pivotBase = leaving * m;
    for (let k = 0; k < m; k += 1) inverse[pivotBase + k] = (inverse[pivotBase + k] as number) / pivot;
    values[leaving] = (values[leaving] as number) / pivot;
    for (let row = 0; row < m; row += 1) {
      if (row === leaving) continue;
      const factor = alpha[row] as number;
      if (factor === 0) continue;
      const base = row * m;
      for (let k = 0; k < m; k += 1) {
        inverse[base + k] = (inverse[base + k] as number) - factor * (inverse[pivotBase + k] as number);
      }
      values[row] = Math.max(0, (values[row] as number) - factor * (values[leaving] as number));
    }
    basis[leaving] = entering >= 0 ? entering : -(enteringSlack + 1);
    const value = objective(columns, basis, values, m);
    stalled = value > lastValue + TOLERANCE ? 0 : stalled + 1;
    lastValue = Math.max(lastValue, value);
  }
  for (let k = 0; k < m; k += 1) duals[k] = Math.max(0, duals[k] as number);
  const primal = new Map<number, number>();
  for (let row = 0; row < m; row += 1) {
    const variable = basis[row] as number;
    if (variable >= 0 && (values[row] as number) > TOLERANCE) primal.set(variable, values[row] as number);
  }
  return { value: objective(columns, basis, values, m), duals, primal, optimal, iterations };
}

/** The objective value of the basic variable of a row (0 for a slack). */
function costOfBasic(columns: readonly LpColumn[], basis: Int32Array, row: number): number {
  const variable = basis[row] as number;
  return variable >= 0 ? (columns[variable] as LpColumn).value : 0;
}

function objective(columns: readonly LpColumn[], basis: Int32Array, values: Float64Array, m: number): number {
  let total = 0;
  for (let row = 0; row < m; row += 1) total += costOfBasic(columns, basis, row) * (values[row] as number);
  return total;
}
