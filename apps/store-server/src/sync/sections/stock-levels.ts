import { keysetPage, type SnapshotSection } from './section';

interface StockRow {
  sku: string;
  received: string;
  sold: string;
  held: string;
  version: string;
  low_stock_threshold: number;
}

/** Stock per SKU of the client's store, shaped like the payload of `stock.changed`. */
export const stockLevelsSection: SnapshotSection = {
  name: 'stock_levels',
  audiences: ['terminal', 'dashboard', 'storefront'],
  async page(db, storeId, after, limit) {
    const { rows } = await db.query<StockRow>(
      `SELECT sku, received::text, sold::text, held::text, version::text, low_stock_threshold
       FROM stock_levels WHERE store_id = $1 AND ($2::text IS NULL OR sku > $2)
       ORDER BY sku LIMIT $3`,
      [storeId, after, limit + 1],
    );
    return keysetPage(
      rows,
      limit,
      (r) => r.sku,
      (r) => {
        const received = Number(r.received);
        const sold = Number(r.sold);
        const held = Number(r.held);
        return {
          storeId,
          sku: r.sku,
          received,
          sold,
          onHand: received - sold,
          held,
          available: received - sold - held,
          version: Number(r.version),
          lowStockThreshold: r.low_stock_threshold,
        };
      },
    );
  },
};
