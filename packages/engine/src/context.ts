import { normalizeCoupon } from './compile';
import { describe, timeZoneProblem } from './fields';
import { Decimal, isCurrency, minorUnits, ONE } from './money';
import type { TimeZones } from './time-zones';
import { ValidationError, type ValidationIssue } from './validate';

export type StackingModel = 'withinPriority' | 'acrossPriorities';

export interface Customer {
  id?: string;
  /** Store-defined segments and member tiers: "vip", "gold", "new", ... */
  segments?: readonly string[];
}

/** Everything about a pricing except the cart and the moment: who, where, in which money. */
export interface PricingOptions {
  /** Cart currency (ISO 4217); default baseCurrency. */
  currency?: string;
  /** Currency of product prices and rule amounts; default "USD". */
  baseCurrency?: string;
  /** Units of each currency per 1 baseCurrency: { "EUR": "0.9213" }. Needed when currency differs. */
  rates?: Readonly<Record<string, string>>;
  /** Store IANA zone for recurring windows; default "UTC". */
  timeZone?: string;
  /** Product prices include tax; default false. */
  taxIncluded?: boolean;
  /** Concurrency model; default "withinPriority". */
  stacking?: StackingModel;
  /** The store and channel priced for: rules with `stores` / `channels` (price lists) need them. */
  storeId?: string;
  channel?: string;
  customer?: Customer;
  /** Codes the customer entered. */
  coupons?: readonly string[];
  /** Shipping charge before shipping rules, in baseCurrency unless `currency` is given. */
  shipping?: { price: string; currency?: string } | null;
  /** Which words explanations use; only "en" for now. */
  locale?: string;
}

/** PricingOptions checked and parsed once: what every step reads. */
export interface PricingContext {
  readonly currency: string;
  readonly baseCurrency: string;
  readonly minorDigits: number;
  /** baseCurrency → currency; 1 when they are the same. */
  readonly rate: Decimal;
  readonly rateText: string;
  readonly converts: boolean;
  readonly timeZone: string;
  readonly taxIncluded: boolean;
  readonly stacking: StackingModel;
  readonly storeId: string | undefined;
  readonly channel: string | undefined;
  readonly segments: ReadonlySet<string>;
  /** Entered codes, normalised (trimmed, upper case), in the order entered, without repeats. */
  readonly coupons: readonly string[];
  readonly shippingPrice: Decimal | undefined;
}

const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * Checks and parses pricing options. `zones` (an index's) checks the time zone from what it
 * already knows instead of asking Temporal again on every call.
 */
export function createContext(options: PricingOptions, zones?: TimeZones): PricingContext {
  const issues: ValidationIssue[] = [];
  const problem = (segments: (string | number)[], message: string) =>
    issues.push({ path: segments.join('.'), segments, message });
  const baseCurrency = options.baseCurrency ?? 'USD';
  if (!isCurrency(baseCurrency)) problem(['baseCurrency'], `must be an ISO 4217 code, got ${describe(baseCurrency)}`);
  const currency = options.currency ?? baseCurrency;
  if (!isCurrency(currency)) problem(['currency'], `must be an ISO 4217 code, got ${describe(currency)}`);
  let rate = ONE;
  if (isCurrency(currency) && isCurrency(baseCurrency) && currency !== baseCurrency) {
    const text = options.rates?.[currency];
    if (text === undefined) problem(['rates', currency], `is required to price in ${currency} from ${baseCurrency}`);
    else if (typeof text !== 'string' || !DECIMAL.test(text) || Number(text) === 0) {
      problem(['rates', currency], `must be a positive decimal string such as "0.92", got ${describe(text)}`);
    } else rate = new Decimal(text);
  }
  const timeZone = options.timeZone ?? 'UTC';
  const zoneProblem = zones ? zoneProblemVia(zones, timeZone) : timeZoneProblem(timeZone);
  if (zoneProblem) problem(['timeZone'], zoneProblem);
  const stacking = options.stacking ?? 'withinPriority';
  if (stacking !== 'withinPriority' && stacking !== 'acrossPriorities') {
    problem(['stacking'], `must be "withinPriority" or "acrossPriorities", got ${describe(stacking)}`);
  }
  const segments = options.customer?.segments ?? [];
  if (!Array.isArray(segments) || segments.some((segment) => typeof segment !== 'string')) {
    problem(['customer', 'segments'], 'must be a list of strings');
  }
  const coupons = options.coupons ?? [];
  if (!Array.isArray(coupons) || coupons.some((code) => typeof code !== 'string')) {
    problem(['coupons'], 'must be a list of codes');
  }
  let shippingPrice: Decimal | undefined;
  if (options.shipping) {
    const { price, currency: shippingCurrency = baseCurrency } = options.shipping;
    if (typeof price !== 'string' || !DECIMAL.test(price)) {
      problem(['shipping', 'price'], `must be a non-negative decimal string such as "5.00", got ${describe(price)}`);
    } else if (shippingCurrency !== baseCurrency && shippingCurrency !== currency) {
      problem(['shipping', 'currency'], `must be ${baseCurrency} or ${currency}`);
    } else {
      const parsed = new Decimal(price);
      shippingPrice = shippingCurrency === currency && currency !== baseCurrency ? parsed : parsed.times(rate);
    }
  }
  if (issues.length > 0) throw new ValidationError('invalid pricing options', issues);
  const minorDigits = minorUnits(currency);
  return {
    currency,
    baseCurrency,
    minorDigits,
    rate,
    rateText: rate.toString(),
    converts: currency !== baseCurrency,
    timeZone,
    taxIncluded: options.taxIncluded === true,
    stacking,
    storeId: options.storeId,
    channel: options.channel,
    segments: new Set(segments),
    coupons: [...new Set(coupons.map(normalizeCoupon).filter((code) => code.length > 0))],
    shippingPrice: shippingPrice?.toDecimalPlaces(minorDigits, Decimal.ROUND_HALF_UP),
  };
}

function zoneProblemVia(zones: TimeZones, timeZone: unknown): string | undefined {
  if (typeof timeZone !== 'string') return timeZoneProblem(timeZone);
  try {
    zones.get(timeZone);
    return undefined;
  } catch {
    return timeZoneProblem(timeZone);
  }
}

/**
 * An amount in baseCurrency as the cart shows it: converted at the rate and rounded to the
 * cart currency's minor unit (what the shelf shows is what the cart uses).
 */
export function toCartMoney(context: PricingContext, amount: Decimal): Decimal {
  const converted = context.converts ? amount.times(context.rate) : amount;
  return converted.decimalPlaces() <= context.minorDigits
    ? converted
    : converted.toDecimalPlaces(context.minorDigits, Decimal.ROUND_HALF_UP);
}
