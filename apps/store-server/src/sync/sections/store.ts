import { readStores } from '../../stores/store-settings';
import type { SnapshotSection } from './section';

/**
 * The client's store (name, currency, time zone, tax mode, stacking), shaped like the
 * payload of `store.updated`, which changes it. First: a terminal reads the store's
 * currency before the products priced in it.
 */
export const storeSection: SnapshotSection = {
  name: 'store',
  audiences: ['terminal', 'dashboard', 'storefront'],
  async page(db, storeId) {
    const stores = await readStores(db, storeId);
    return { items: stores.map((store) => ({ store })), next: null };
  },
};
