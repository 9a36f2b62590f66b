import type { OutboxItem } from '@till/sync';

/**
 * Splits a batch of commands into at most `groups` groups that share no SKU and no sale,
 * so that each group can run in its own transaction at the same time as the others
 * without two of them ever waiting on each other's stock rows (no deadlocks), and a
 * return stays with the sale it refers to. Each group keeps the batch's order.
 */
export function partitionByStock<T extends { index: number }>(
  items: T[],
  groups: number,
  commandOf: (entry: T) => OutboxItem | undefined,
): T[][] {
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    while (parent[i] !== root) {
      const next = parent[i] as number;
      parent[i] = root;
      i = next;
    }
    return root;
  };
  const owner = new Map<string, number>();
  const claim = (key: string, i: number) => {
    const other = owner.get(key);
    if (other === undefined) owner.set(key, i);
    else parent[find(i)] = find(other);
  };
  items.forEach((entry, i) => {
    const item = commandOf(entry);
    if (!item) return;
    claim(`command:${item.id}`, i);
    if (item.kind === 'sale' || item.kind === 'return') {
      for (const line of item.payload.lines) claim(`sku:${line.sku}`, i);
    }
    if (item.kind === 'return' && item.payload.saleId) claim(`command:${item.payload.saleId}`, i);
  });

  const components = new Map<number, T[]>();
  items.forEach((entry, i) => {
    const root = find(i);
    const list = components.get(root) ?? [];
    list.push(entry);
    components.set(root, list);
  });
  const bins: T[][] = Array.from({ length: Math.max(1, Math.min(groups, components.size)) }, () => []);
  for (const component of [...components.values()].sort((a, b) => b.length - a.length)) {
    const smallest = bins.reduce((best, bin) => (bin.length < best.length ? bin : best));
    smallest.push(...component);
  }
  return bins.filter((b) => b.length > 0).map((b) => b.sort((x, y) => x.index - y.index));
}
