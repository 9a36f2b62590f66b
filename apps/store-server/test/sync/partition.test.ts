import type { OutboxItem } from '@till/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionByStock } from '../../src/sync/uploads/partition';

const sale = (id: string, skus: string[]): OutboxItem =>
  ({
    id,
    kind: 'sale',
    terminalId: 'term_x',
    createdAt: 0,
    payload: { lines: skus.map((sku) => ({ sku, qty: 1, unitPrice: '1', total: '1' })) },
  }) as unknown as OutboxItem;
const ret = (id: string, saleId: string | null, skus: string[]): OutboxItem =>
  ({
    id,
    kind: 'return',
    terminalId: 'term_x',
    createdAt: 0,
    payload: { saleId, lines: skus.map((sku) => ({ sku, qty: 1, refund: '1' })) },
  }) as unknown as OutboxItem;

const keysOf = (item: OutboxItem | undefined) => {
  if (!item) return [];
  const keys = [`command:${item.id}`];
  if (item.kind !== 'cash_count') keys.push(...item.payload.lines.map((l) => `sku:${l.sku}`));
  if (item.kind === 'return' && item.payload.saleId) keys.push(`command:${item.payload.saleId}`);
  return keys;
};

describe('splitting an upload batch for concurrent transactions', () => {
  it('never puts a SKU or a sale in two groups, keeps every item once and the batch order (property)', () => {
    const entry = fc.oneof(
      fc.record({
        kind: fc.constant('sale'),
        skus: fc.array(fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F'), { minLength: 1, maxLength: 3 }),
      }),
      fc.record({
        kind: fc.constant('return'),
        skus: fc.array(fc.constantFrom('A', 'G'), { minLength: 1, maxLength: 2 }),
        of: fc.nat({ max: 20 }),
      }),
      fc.record({ kind: fc.constant('invalid') }),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), (entries, groups) => {
        const items = entries.map((e, index) => {
          const id = `c${index}`;
          if (e.kind === 'sale') return { index, item: sale(id, e.skus) };
          if (e.kind === 'return') return { index, item: ret(id, `c${e.of}`, e.skus) };
          return { index, item: undefined };
        });
        const parts = partitionByStock(items, groups, (x) => x.item);
        expect(parts.length).toBeLessThanOrEqual(Math.max(1, groups));
        expect(
          parts
            .flat()
            .map((x) => x.index)
            .sort((a, b) => a - b),
        ).toEqual(items.map((x) => x.index));
        const ownerOf = new Map<string, number>();
        parts.forEach((part, g) => {
          expect(part.map((x) => x.index)).toEqual([...part.map((x) => x.index)].sort((a, b) => a - b));
          for (const x of part) {
            for (const key of keysOf(x.item)) {
              expect(ownerOf.get(key) ?? g).toBe(g);
              ownerOf.set(key, g);
            }
          }
        });
      }),
    );
  });

  it('spreads independent sales over the groups', () => {
    const items = ['A', 'B', 'C', 'D'].map((sku, index) => ({ index, item: sale(`s${index}`, [sku]) }));
    expect(partitionByStock(items, 2, (x) => x.item).map((p) => p.length)).toEqual([2, 2]);
    const shared = ['A', 'A', 'A', 'B'].map((sku, index) => ({ index, item: sale(`s${index}`, [sku]) }));
    expect(partitionByStock(shared, 2, (x) => x.item).map((p) => p.map((x) => x.index))).toEqual([[0, 1, 2], [3]]);
  });
});
