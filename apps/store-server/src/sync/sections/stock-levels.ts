import { keysetPage, type SnapshotSection } from './section';

interface StockRow {
  sku: string;
  on_hand: string;
  held: string;
  available: string;
  low_stock_threshold: number;
}

/** Stock per SKU of the client's store. */
export const stockLevelsSection: SnapshotSection = {
  name: 'stock_levels',
  audiences: ['terminal', 'dashboard', 'storefront'],
  async page(db, storeId, after, limit) {
    const { rows } = await db.query<StockRow>(
      `SELECT sku, (received - sold)::text AS on_hand, held::text AS held,
              (received - sold - held)::text AS available, low_stock_threshold
       FROM stock_levels WHERE store_id = $1 AND ($2::text IS NULL OR sku > $2)
       ORDER BY sku LIMIT $3`,
      [storeId, after, limit + 1],
    );
    return keysetPage(
      rows,
      limit,
      (r) => r.sku,
      (r) => ({
        sku: r.sku,
        onHand: Number(r.on_hand),
        held: Number(r.held),
        available: Number(r.available),
        lowStockThreshold: r.low_stock_threshold,
      }),
    );
  },
};
