import { listCampaigns } from '../../pricing/campaigns';
import { listCustomers } from '../../pricing/customers';
import { trimScale } from '../../pricing/decimal-text';
import { listPriceLists, PRICE_LIST_RULE_PREFIX } from '../../pricing/price-lists';
import { listRules } from '../../pricing/rules';
import { snapshotId } from '../../pricing/snapshot';
import { currentPricingVersion } from '../../pricing/versions';
import { keysetPage, type SnapshotSection } from './section';

/**
 * Pricing data, shaped like the payloads of the events that change it (`rule.upserted`,
 * `campaign.upserted`, `price.changed`, `customer.upserted`), so a terminal applies a
 * snapshot item and a change the same way. Rules carry their windows (a campaign's rule
 * its campaign's too): scheduled prices switch on the terminal by themselves.
 */

/** Which version of the store's pricing the snapshot shows: terminals name it as the rules snapshot they price with. */
export const pricingVersionSection: SnapshotSection = {
  name: 'pricing_version',
  audiences: ['terminal', 'dashboard', 'storefront'],
  async page(db, storeId) {
    const version = await currentPricingVersion(db, storeId);
    return { items: [{ storeId, pricingVersion: version, rulesSnapshotId: snapshotId(storeId, version) }], next: null };
  },
};

export const rulesSection: SnapshotSection = {
  name: 'rules',
  audiences: ['terminal', 'dashboard', 'storefront'],
  async page(db, storeId, after, limit) {
    const { items, nextCursor } = await listRules(db, storeId, { limit, cursor: after ?? undefined });
    return { items: items.map((rule) => ({ rule })), next: nextCursor };
  },
};

export const campaignsSection: SnapshotSection = {
  name: 'campaigns',
  audiences: ['terminal', 'dashboard', 'storefront'],
  async page(db, storeId) {
    const campaigns = await listCampaigns(db, storeId, undefined);
    return { items: campaigns.map((campaign) => ({ campaign })), next: null };
  },
};

export const priceListsSection: SnapshotSection = {
  name: 'price_lists',
  audiences: ['terminal', 'dashboard', 'storefront'],
  async page(db, storeId) {
    const lists = await listPriceLists(db, storeId);
    return { items: lists.map((priceList) => ({ priceList })), next: null };
  },
};

interface ListPriceRow {
  price_list_id: string;
  sku: string;
  price: string;
  channel: string;
  currency: string;
}

/** The prices of every price list, like `price.changed` payloads. Cursor: "list sku". */
export const listPricesSection: SnapshotSection = {
  name: 'price_list_prices',
  audiences: ['terminal', 'dashboard', 'storefront'],
  async page(db, storeId, after, limit) {
    const [list, sku] = after === null ? [null, null] : after.split(' ');
    const { rows } = await db.query<ListPriceRow>(
      `SELECT p.price_list_id, p.sku, p.price::text, l.channel, s.currency
       FROM price_list_prices p
       JOIN price_lists l ON l.store_id = p.store_id AND l.id = p.price_list_id
       JOIN stores s ON s.id = p.store_id
       WHERE p.store_id = $1 AND ($2::text IS NULL OR (p.price_list_id, p.sku) > ($2, $3))
       ORDER BY p.price_list_id, p.sku LIMIT $4`,
      [storeId, list, sku ?? null, limit + 1],
    );
    return keysetPage(
      rows,
      limit,
      (r) => `${r.price_list_id} ${r.sku}`,
      (r) => ({
        sku: r.sku,
        price: trimScale(r.price),
        currency: r.currency,
        priceListId: r.price_list_id,
        ruleId: `${PRICE_LIST_RULE_PREFIX}${r.price_list_id}`,
        channel: r.channel,
      }),
    );
  },
};

export const customersSection: SnapshotSection = {
  name: 'customers',
  audiences: ['terminal', 'dashboard'],
  async page(db, storeId, after, limit) {
    const { items, nextCursor } = await listCustomers(db, storeId, { limit, cursor: after ?? undefined });
    return { items: items.map((customer) => ({ customer })), next: nextCursor };
  },
};
