import { trimScale } from '../../pricing/decimal-text';
import { keysetPage, type SnapshotSection } from './section';

interface ProductRow {
  sku: string;
  barcode: string;
  name: string;
  category_id: string;
  parent_sku: string | null;
  attributes: Record<string, string>;
  base_price: string;
  currency: string;
  tax_rate: string;
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
    const { rows } = await db.query<ProductRow>(
      `SELECT sku, barcode, name, category_id, parent_sku, attributes, base_price::text, currency, tax_rate::text, active
       FROM products WHERE $1::text IS NULL OR sku > $1 ORDER BY sku LIMIT $2`,
      [after, limit + 1],
    );
    return keysetPage(
      rows,
      limit,
      (r) => r.sku,
      (r) => ({
        sku: r.sku,
        barcode: r.barcode,
        name: r.name,
        category: r.category_id,
        parentSku: r.parent_sku,
        attributes: r.attributes,
        price: { amount: trimScale(r.base_price), currency: r.currency },
        taxRate: trimScale(r.tax_rate),
        active: r.active,
      }),
    );
  },
};
