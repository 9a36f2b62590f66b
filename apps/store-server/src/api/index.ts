import { campaignEndpoints } from './campaigns';
import { cartEndpoints } from './carts';
import { catalogEndpoints } from './catalog';
import { customerEndpoints } from './customers';
import { exchangeRateEndpoints } from './exchange-rates';
import { holdEndpoints } from './holds';
import { orderEndpoints } from './orders';
import { priceListEndpoints } from './price-lists';
import { ruleEndpoints } from './rules';
import { stockEndpoints } from './stock';

/**
 * Every endpoint of the public API, grouped as the typed client exposes them
 * (`api.rules.put(...)`). A new route group adds its endpoints module here.
 */
export const tillApi = {
  products: catalogEndpoints,
  carts: cartEndpoints,
  rules: ruleEndpoints,
  campaigns: campaignEndpoints,
  priceLists: priceListEndpoints,
  customers: customerEndpoints,
  exchangeRates: exchangeRateEndpoints,
  holds: holdEndpoints,
  orders: orderEndpoints,
  stock: stockEndpoints,
};

export * from './campaigns';
export * from './carts';
export * from './catalog';
export * from './common';
export * from './customers';
export * from './endpoint';
export * from './exchange-rates';
export * from './holds';
export * from './orders';
export * from './price-lists';
export * from './rules';
export * from './stock';
