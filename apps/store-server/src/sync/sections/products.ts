import { PRODUCT_COLUMNS, type ProductRow, productIdentity } from '../../catalog/product-row';
import { trimScale } from '../../pricing/decimal-text';
import { keysetPage, type SnapshotSection } from './section';

interface SyncedProductRow extends ProductRow {
  base_price: string;
  currency: string;
  active: boolean;
}

/**
 * The catalog with base prices (the rules and price lists that change them are their own
 * sections), inactive products included: a till must recognise them to refuse them.
 */
export const productsSection: SnapshotSection = {
  name: 'products',
  audiences: ['terminal', 'dashboard', 'storefront'],
  async page(db, _storeId, after, limit) {
    const { rows } = await db.query<SyncedProductRow>(
      `SELECT ${PRODUCT_COLUMNS}, base_price::text, currency, active
       FROM products WHERE $1::text IS NULL OR sku > $1 ORDER BY sku LIMIT $2`,
      [after, limit + 1],
    );
    return keysetPage(
      rows,
      limit,
      (r) => r.sku,
      (r) => ({
        ...productIdentity(r),
        price: { amount: trimScale(r.base_price), currency: r.currency },
        taxRate: trimScale(r.tax_rate),
        active: r.active,
      }),
    );
  },
};
