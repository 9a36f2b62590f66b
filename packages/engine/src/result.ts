import type { StackingModel } from './context';
import type { RuleKind } from './rule-schema';

/** The priced cart: every amount a string in the cart currency, rounded to its minor unit. */

export type NearMissReason = 'coupon' | 'segment' | 'window' | 'threshold' | 'quantity';

/** A rule that nearly applied, and what is missing, in words fit for a receipt or a screen. */
export interface NearMiss {
  ruleId: string;
  kind: RuleKind;
  name?: string;
  reason: NearMissReason;
  text: string;
  /** threshold / shipping: how much more the eligible goods must come to. */
  shortBy?: string;
  /** quantity: how many more eligible units. */
  unitsShort?: number;
  /** window: when the rule starts (epoch ms). */
  startsAt?: number;
  /** Indices of the cart lines it concerns. */
  lines: number[];
}

export interface AppliedDiscount {
  ruleId: string;
  kind: RuleKind;
  name?: string;
  /** Taken off this line (all units). */
  amount: string;
  text: string;
}

/** A price adjustment or price list that set the unit price. */
export interface PriceAdjustment {
  ruleId: string;
  kind: 'price' | 'priceList';
  name?: string;
  /** Unit price before (base price converted), and after. */
  from: string;
  to: string;
  text: string;
}

export interface PricedLine {
  sku: string;
  qty: number;
  /** Base price per unit in the cart currency, before adjustments. */
  basePrice: string;
  /** Unit price after adjustments and price lists, before discounts. */
  unitPrice: string;
  adjustment?: PriceAdjustment;
  /** qty × unitPrice. */
  subtotal: string;
  discounts: AppliedDiscount[];
  /** subtotal − total. */
  discount: string;
  /** What the line costs after every line and cart discount (tax included when prices include it). */
  total: string;
  taxRate: string;
  /** Tax of the line (added on top when prices exclude tax; contained in total when they include it). */
  tax: string;
  nearMisses: NearMiss[];
}

/** A rule that changed the price, with what it took off in all. */
export interface AppliedRule {
  ruleId: string;
  kind: RuleKind;
  name?: string;
  amount: string;
  text: string;
  lines: number[];
}

export interface CouponOutcome {
  /** The code as entered (trimmed, upper case). */
  code: string;
  status: 'applied' | 'notApplicable' | 'unknown' | 'notCombined';
  text: string;
}

export interface PricedCart {
  currency: string;
  baseCurrency: string;
  /** Units of currency per 1 baseCurrency used ("1" when they are the same). */
  rate: string;
  at: number;
  timeZone: string;
  taxIncluded: boolean;
  stacking: StackingModel;
  lines: PricedLine[];
  /** Σ qty × unit price after adjustments. */
  subtotal: string;
  /** subtotal − Σ line totals (shipping discounts not included). */
  discount: string;
  tax: string;
  /** Shipping charge before shipping rules. */
  shippingCharge: string;
  shippingDiscount: string;
  /** Shipping charged, after shipping rules. */
  shipping: string;
  /** What the customer pays. */
  total: string;
  /** Ids of the rules that changed any amount. */
  rulesUsed: string[];
  /** True when a best-deal search hit its size limit: the result is the best found, not proven best. */
  approximate: boolean;
  /**
   * The first instant after `at` at which a rule that concerns this cart starts or stops
   * (null: none in sight). Until then the same cart prices the same: terminals use it to
   * switch prices and show countdowns.
   */
  validUntil: number | null;
  explanations: {
    applied: AppliedRule[];
    nearMisses: NearMiss[];
    coupons: CouponOutcome[];
  };
}
