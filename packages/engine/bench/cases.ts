import type { Deal, DealType } from '../src';

/** The bench case: 10 deals over 30 units of 12 SKUs in overlapping groups. */
export function tenDealsOverThirtyUnits(): { types: DealType[]; deals: Deal[] } {
  const prices = [19.99, 24.5, 9.99, 12, 35, 7.25, 15, 42, 5.5, 28, 11.75, 60];
  const counts = [3, 2, 4, 3, 2, 3, 2, 2, 3, 2, 2, 2];
  const types: DealType[] = prices.map((price, index) => ({
    count: counts[index] as number,
    price,
    standalone: index % 3 === 0 ? price * 0.9 : price,
  }));
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
  const deals: Deal[] = [
    {
      groups: [{ qty: 2, eligible: range(0, 6), discounted: false }],
      benefit: { type: 'leastExpensiveFree' },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 3, eligible: range(0, 12), discounted: false }],
      benefit: { type: 'dealPrice', price: 50 },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 2, eligible: range(4, 10), discounted: false }],
      benefit: { type: 'percent', fraction: 0.3 },
      maxApplications: Infinity,
    },
    {
      groups: [
        { qty: 1, eligible: [7, 11], discounted: false },
        { qty: 1, eligible: range(0, 4), discounted: true },
      ],
      benefit: { type: 'percent', fraction: 1 },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 2, eligible: range(6, 12), discounted: false }],
      benefit: { type: 'amount', amount: 15 },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 3, eligible: range(2, 9), discounted: false }],
      benefit: { type: 'leastExpensiveFree' },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 2, eligible: [0, 3, 6, 9], discounted: false }],
      benefit: { type: 'dealPrice', price: 30 },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 4, eligible: range(0, 12), discounted: false }],
      benefit: { type: 'percent', fraction: 0.25 },
      maxApplications: 2,
    },
    {
      groups: [
        { qty: 1, eligible: [4, 7], discounted: false },
        { qty: 2, eligible: [2, 5, 8], discounted: true },
      ],
      benefit: { type: 'percent', fraction: 0.5 },
      maxApplications: Infinity,
    },
    {
      groups: [{ qty: 2, eligible: [1, 10, 11], discounted: false }],
      benefit: { type: 'amount', amount: 20 },
      maxApplications: Infinity,
    },
  ];
  return { types, deals };
}
