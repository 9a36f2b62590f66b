/**
 * @till/engine — Till's pricing engine: pure TypeScript on decimal.js, no I/O, no clock.
 * The same code prices a cart on a terminal, on the store server and for the storefront.
 */

export { isActiveAt, isActiveDuring, nextPriceChange } from './activity';
export { bestDeal, type Deal, type DealSolution, type DealType, SEARCH_LIMITS, setCost } from './best-deal';
export { type CartLine, MAX_LINE_QTY } from './cart-lines';
export { Catalog, type CatalogProduct, type ProductInfo, type ProductSource } from './catalog';
export type { Customer, PricingOptions, StackingModel } from './context';
export { CURRENCY_MINOR_UNITS } from './currencies';
export {
  allocate,
  Decimal,
  type DecimalValue,
  formatForPeople,
  formatMoney,
  isCurrency,
  type Money,
  minorUnits,
  moneyString,
  parseMoney,
  roundMoney,
  roundToSum,
} from './money';
export { type PriceCartInput, PricingSession, priceCart, type SessionOptions } from './price-cart';
export type { Recurrence } from './recurrence';
export type {
  AppliedDiscount,
  AppliedRule,
  CouponOutcome,
  NearMiss,
  NearMissReason,
  PriceAdjustment,
  PricedCart,
  PricedLine,
} from './result';
export { indexRules, isRuleIndex, RuleIndex } from './rule-index';
export {
  CONCURRENCIES,
  type Concurrency,
  type DiscountRule,
  type MixMatchGroup,
  type MixMatchRule,
  type PriceListRule,
  type PriceRule,
  RULE_KINDS,
  type Rule,
  type RuleInput,
  type RuleKind,
  ruleSchema,
  type Scope,
  type ShippingRule,
  type ThresholdRule,
  type Tier,
  type TieredRule,
} from './rule-schema';
export {
  checkScenario,
  describeMismatch,
  type Mismatch,
  parseScenario,
  priceScenario,
  type Scenario,
  type ScenarioCheck,
  scenarioOutput,
} from './scenario';
export { CHANGE_HORIZON_DAYS } from './schedule';
export { parseRules, ValidationError, type ValidationIssue, validateRule } from './validate';
