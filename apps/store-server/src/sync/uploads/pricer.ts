import type pg from 'pg';
import type { PricingService } from '../../pricing/service';
import { snapshotId } from '../../pricing/snapshot';
import { currentPricingVersion } from '../../pricing/versions';
import type { SalePricer } from './outcome';

/** Prices terminals' sales again with the pricing service, at the sale's time, on the `pos` channel. */
export function pricingServicePricer(pricing: PricingService, db: pg.Pool): SalePricer {
  return {
    async currentSnapshotId(storeId) {
      return snapshotId(storeId, await currentPricingVersion(db, storeId));
    },
    async priceSale(storeId, sale) {
      const priced = await pricing.priceCart({
        storeId,
        lines: sale.lines.map(({ sku, qty }) => ({ sku, qty })),
        customer: sale.customerId ? { id: sale.customerId } : null,
        coupons: sale.coupons ?? [],
        currency: sale.currency,
        at: sale.soldAt,
        channel: 'pos',
      });
      return { snapshotId: priced.rulesSnapshot.id, total: priced.totals.total };
    },
  };
}
