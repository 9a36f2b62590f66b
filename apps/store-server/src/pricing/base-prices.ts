import Decimal from 'decimal.js';
import type pg from 'pg';
import { AppError, notFound } from '../errors';
import { trimScale } from './decimal-text';
import { applyPricingChange } from './pricing-change';

/**
 * Base prices live on the products of the shared catalog, so a change reaches every store:
 * each store's pricing version is bumped and each store's feed gets a `price.changed` event.
 */
export async function setBasePrice(
  client: pg.PoolClient,
  sku: string,
  price: string,
  currency: string | undefined,
): Promise<{
  sku: string;
  price: { amount: string; currency: string };
  changed: boolean;
  versions: Map<string, number>;
}> {
  const product = await client.query<{ currency: string }>('SELECT currency FROM products WHERE sku = $1 FOR UPDATE', [
    sku,
  ]);
  const row = product.rows[0];
  if (!row) throw notFound(`Product ${sku}`, { sku });
  if (currency && currency !== row.currency) {
    throw new AppError(400, 'VALIDATION_FAILED', `${sku} is priced in ${row.currency}, not ${currency}`, {
      fields: [{ field: 'body.currency', problem: `must be ${row.currency}, the currency of the product` }],
    });
  }
  const stores = await client.query<{ id: string }>('SELECT id FROM stores ORDER BY id');
  const amount = trimScale(new Decimal(price).toFixed(4));
  const { result: changed, versions } = await applyPricingChange(
    client,
    stores.rows.map((s) => s.id),
    async (emit) => {
      const updated = await client.query(
        'UPDATE products SET base_price = $2, updated_at = now() WHERE sku = $1 AND base_price <> $2',
        [sku, price],
      );
      if (updated.rowCount === 0) return false;
      for (const store of stores.rows) {
        emit(store.id, 'price.changed', {
          sku,
          price: amount,
          currency: row.currency,
          priceListId: null,
          channel: 'all',
        });
      }
      return true;
    },
  );
  return { sku, price: { amount, currency: row.currency }, changed, versions };
}
