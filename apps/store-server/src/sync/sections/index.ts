import type { Audience } from '@till/sync';
import { exchangeRatesSection } from './exchange-rates';
import {
  campaignsSection,
  customersSection,
  listPricesSection,
  priceListsSection,
  pricingVersionSection,
  rulesSection,
} from './pricing';
import { productsSection } from './products';
import type { SnapshotSection } from './section';
import { stockLevelsSection } from './stock-levels';
import { storeSection } from './store';

export type { SnapshotSection } from './section';

/** Every snapshot section, in the order a client loads them. */
export const SECTIONS: readonly SnapshotSection[] = [
  storeSection,
  pricingVersionSection,
  productsSection,
  stockLevelsSection,
  campaignsSection,
  rulesSection,
  priceListsSection,
  listPricesSection,
  customersSection,
  exchangeRatesSection,
];

export const sectionsFor = (audience: Audience) => SECTIONS.filter((s) => s.audiences.includes(audience));
