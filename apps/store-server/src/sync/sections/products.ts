import { PRODUCT_COLUMNS, type ProductRow, toProduct } from '../../http/products';
import { keysetPage, type SnapshotSection } from './section';

/** The catalog, inactive products included (a till must recognise and refuse them). */
export const productsSection: SnapshotSection = {
  name: 'products',
  audiences: ['terminal', 'dashboard', 'storefront'],
  async page(db, _storeId, after, limit) {
    const { rows } = await db.query<ProductRow & { active: boolean }>(
      `SELECT ${PRODUCT_COLUMNS}, active FROM products WHERE $1::text IS NULL OR sku > $1 ORDER BY sku LIMIT $2`,
      [after, limit + 1],
    );
    return keysetPage(
      rows,
      limit,
      (r) => r.sku,
      (r) => ({ ...toProduct(r), active: r.active }),
    );
  },
};
