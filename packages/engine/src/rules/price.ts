import type { CatalogProduct } from '../catalog';
import type { CompiledRule } from '../compile';
import type { ConditionCache } from '../conditions';
import type { Decimal } from '../money';

/**
 * Unit prices: the product's base price, replaced by the best overriding price list in force
 * (highest priority, then lowest price), then lowered by every price adjustment and
 * non-overriding price list in force — the lowest wins. All in the base currency.
 */
export interface UnitPriceChoice {
  price: Decimal;
  /** The rule that set the price, when one did. */
  rule: CompiledRule | undefined;
}

export function chooseUnitPrice(
  product: CatalogProduct,
  rules: readonly CompiledRule[],
  conditions: ConditionCache,
): UnitPriceChoice {
  let base: UnitPriceChoice = { price: product.price, rule: undefined };
  let overridePriority = Number.NEGATIVE_INFINITY;
  for (const rule of rules) {
    if (!rule.override || !conditions.inForce(rule)) continue;
    const price = rule.listPrices?.get(product.sku);
    if (!price) continue;
    if (rule.priority > overridePriority || (rule.priority === overridePriority && price.lt(base.price))) {
      base = { price, rule };
      overridePriority = rule.priority;
    }
  }
  let chosen = base;
  for (const rule of rules) {
    if (rule.override || !conditions.inForce(rule)) continue;
    const price = rule.kind === 'price' ? rule.price : rule.listPrices?.get(product.sku);
    if (price?.lt(chosen.price)) chosen = { price, rule };
  }
  return chosen;
}
