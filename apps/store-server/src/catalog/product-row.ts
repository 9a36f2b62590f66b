/** A product as the `products` table holds it, with the columns every reader of the catalog needs. */
export interface ProductRow {
  sku: string;
  barcode: string;
  name: string;
  category_id: string;
  parent_sku: string | null;
  attributes: Record<string, string>;
  tax_rate: string;
}

export const PRODUCT_COLUMNS = 'sku, barcode, name, category_id, parent_sku, attributes, tax_rate::text';

/** The fields that name and place a product, as every API and sync message spells them. */
export function productIdentity(row: ProductRow) {
  return {
    sku: row.sku,
    barcode: row.barcode,
    name: row.name,
    category: row.category_id,
    parentSku: row.parent_sku,
    attributes: row.attributes,
  };
}
