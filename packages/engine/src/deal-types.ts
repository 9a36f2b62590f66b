/** The best-deal problem as plain numbers: what `bestDeal` takes and gives. */

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
