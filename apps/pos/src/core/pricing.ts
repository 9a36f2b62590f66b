import type { RuleRecord, Window } from './catalog';
import type { StoreSettings } from './settings';
import type { DiscountView } from './views';

/**
 * The one place the terminal core talks to the pricing engine (@till/engine). Everything
 * else prices through this interface, so the engine's API shows up here and nowhere else.
 */

/** A product's pricing data, as the checkout cache keeps it. */
export interface PricingProduct {
  sku: string;
  /** Base price in the store's base currency. */
  price: string;
  category: string;
  taxRate: string;
}

export interface PriceInput {
  at: number;
  store: StoreSettings;
  currency: string;
  rates: Record<string, string>;
  customer: { id: string; segments: string[] } | null;
  coupons: string[];
  lines: readonly { id: string; sku: string; qty: number }[];
  products: ReadonlyMap<string, PricingProduct>;
  rules: readonly RuleRecord[];
}

export interface PricedLine {
  id: string;
  sku: string;
  qty: number;
  basePrice: string;
  unitPrice: string;
  total: string;
  tax: string;
  discounts: DiscountView[];
  notes: string[];
}

export interface PricedCart {
  lines: PricedLine[];
  subtotal: string;
  discount: string;
  tax: string;
  total: string;
  /** Codes (lower-cased) of coupons whose rules took something off. */
  couponsApplied: Set<string>;
  /** Cart-level explanations (thresholds, coupons that did not apply and why). */
  notes: string[];
  /** The engine fell back to an approximation (a cart far above real sizes). */
  approximate: boolean;
}

export interface Pricing {
  price(input: PriceInput): PricedCart;
  /** Whether the rule is active at some moment of the window (its recurrence included). */
  activeDuring(rule: RuleRecord, window: Window, timeZone: string): boolean;
  activeAt(rule: RuleRecord, at: number, timeZone: string): boolean;
  /** The next moment after `from` at which any of the rules starts or stops applying. */
  nextChange(rules: readonly RuleRecord[], from: number, timeZone: string): number | null;
  /** Why the engine would refuse this rule, or null when it is valid. */
  invalidReason(body: Record<string, unknown>): string | null;
}
