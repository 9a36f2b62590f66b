import { currentRatesFrom } from '../../pricing/rates';
import type { SnapshotSection } from './section';

/**
 * The exchange rates carts are priced with now, per the store's currency: one item per
 * currency, naming the rates snapshot it comes from (a currency can come from a newer
 * snapshot than another). A terminal prices a sale in another currency offline with these
 * and names the snapshot, as the server's own pricing does. `rates.updated` changes them.
 */
export const exchangeRatesSection: SnapshotSection = {
  name: 'exchange_rates',
  audiences: ['terminal', 'dashboard'],
  async page(db, storeId) {
    const { rows } = await db.query<{ currency: string }>('SELECT currency FROM stores WHERE id = $1', [storeId]);
    const base = rows[0]?.currency;
    if (!base) return { items: [], next: null };
    const rates = await currentRatesFrom(db, base);
    return { items: rates.map((rate) => ({ ...rate })), next: null };
  },
};
