import {
  Decimal,
  type PricedCart as EnginePricedCart,
  isActiveAt,
  isActiveDuring,
  type NearMiss,
  nextPriceChange,
  PricingSession,
  type Rule,
  validateRule,
} from '@till/engine';
import type { RuleRecord, Window } from './catalog';
import { TerminalError } from './errors';
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

/** What stays fixed while one checkout cache lives: who, in which money, with which data. */
export interface CheckoutPricingInput {
  store: StoreSettings;
  currency: string;
  rates: Record<string, string>;
  customer: { id: string; segments: string[] } | null;
  coupons: readonly string[];
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
  coupons: { code: string; applied: boolean; text: string }[];
  /** Offers the cart nearly qualifies for as a whole ("spend $12.40 more for 10 % off"). */
  notes: string[];
  /** The next instant a rule concerning this cart starts or stops (null: none in sight). */
  validUntil: number | null;
  /** The engine fell back to an approximation (a cart far above real sizes). */
  approximate: boolean;
}

/** Prices one checkout again and again (every scan), keeping what does not change between prices. */
export interface CheckoutPricer {
  price(at: number, lines: readonly { id: string; sku: string; qty: number }[]): PricedCart;
}

export interface Pricing {
  pricer(input: CheckoutPricingInput): CheckoutPricer;
  /** Whether the rule is active at some moment of the window (its recurrence included). */
  activeDuring(rule: RuleRecord, window: Window, timeZone: string): boolean;
  activeAt(rule: RuleRecord, at: number, timeZone: string): boolean;
  /** The next moment after `from` at which any of the rules starts or stops applying. */
  nextChange(rules: readonly RuleRecord[], from: number, timeZone: string): number | null;
  /** Why the engine refuses this rule, or null when it is valid. */
  invalidReason(body: Record<string, unknown>): string | null;
}

const asRule = (record: RuleRecord) => record.body as unknown as Rule;

/** What a cashier can act on first: a few more units, a coupon, a loyalty card, a later time. */
const NEAR_MISS_ORDER: Record<NearMiss['reason'], number> = {
  quantity: 0,
  coupon: 1,
  segment: 2,
  window: 3,
  threshold: 4,
};
const NOTES_PER_LINE = 2;

/** Near misses said once for the cart, not on each line: spend thresholds and coupons. */
const CART_WIDE: ReadonlySet<NearMiss['reason']> = new Set(['threshold', 'coupon']);

/** A line's near misses, the most useful first, a few at most. */
function lineNotes(misses: readonly NearMiss[]): string[] {
  const texts = misses
    .filter((m) => !CART_WIDE.has(m.reason))
    .sort((a, b) => NEAR_MISS_ORDER[a.reason] - NEAR_MISS_ORDER[b.reason])
    .map((m) => m.text);
  return [...new Set(texts)].slice(0, NOTES_PER_LINE);
}

function toPricedCart(result: EnginePricedCart, ids: readonly string[]): PricedCart {
  return {
    lines: result.lines.map((line, index) => {
      const discounts: DiscountView[] = [];
      if (line.adjustment) {
        const off = new Decimal(line.adjustment.from).minus(line.adjustment.to).times(line.qty);
        if (off.gt(0)) {
          discounts.push({
            ruleId: line.adjustment.ruleId,
            label: line.adjustment.name ?? line.adjustment.text,
            detail: line.adjustment.text,
            amount: off.toFixed(),
            kind: 'price',
          });
        }
      }
      for (const d of line.discounts) {
        discounts.push({
          ruleId: d.ruleId,
          label: d.name ?? d.text,
          detail: d.text,
          amount: d.amount,
          kind: 'discount',
        });
      }
      return {
        id: ids[index] ?? String(index),
        sku: line.sku,
        qty: line.qty,
        basePrice: line.basePrice,
        unitPrice: line.unitPrice,
        total: line.total,
        tax: line.tax,
        discounts,
        notes: lineNotes(line.nearMisses),
      };
    }),
    subtotal: result.subtotal,
    discount: result.discount,
    tax: result.tax,
    total: result.total,
    coupons: result.explanations.coupons.map((c) => ({ code: c.code, applied: c.status === 'applied', text: c.text })),
    notes: [
      ...new Set(
        result.explanations.nearMisses
          .filter((m) => CART_WIDE.has(m.reason))
          .sort((a, b) => NEAR_MISS_ORDER[b.reason] - NEAR_MISS_ORDER[a.reason])
          .map((m) => m.text),
      ),
    ].slice(0, NOTES_PER_LINE),
    validUntil: result.validUntil,
    approximate: result.approximate,
  };
}

/** Turns the engine's refusal of bad input into words for the cashier (it means bad data from the server). */
function priced<T>(what: () => T): T {
  try {
    return what();
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError') {
      throw new TerminalError('PRICING_UNAVAILABLE', `This sale cannot be priced: ${error.message}`);
    }
    throw error;
  }
}

export function enginePricing(): Pricing {
  return {
    pricer(input) {
      const session = priced(
        () =>
          new PricingSession({
            currency: input.currency,
            baseCurrency: input.store.currency,
            rates: input.rates,
            timeZone: input.store.timeZone,
            taxIncluded: input.store.taxIncluded,
            stacking: input.store.stacking,
            storeId: input.store.id,
            channel: 'pos',
            customer: input.customer ? { id: input.customer.id, segments: input.customer.segments } : {},
            coupons: input.coupons,
            products: input.products,
            rules: input.rules.map((r) => r.body),
          }),
      );
      return {
        price: (at, lines) =>
          priced(() =>
            toPricedCart(
              session.price(
                at,
                lines.map((l) => ({ sku: l.sku, qty: l.qty })),
              ),
              lines.map((l) => l.id),
            ),
          ),
      };
    },
    activeDuring: (rule, window, timeZone) => {
      try {
        return isActiveDuring(asRule(rule), window.start, window.end, timeZone);
      } catch {
        return false;
      }
    },
    activeAt: (rule, at, timeZone) => {
      try {
        return isActiveAt(asRule(rule), at, timeZone);
      } catch {
        return false;
      }
    },
    nextChange: (rules, from, timeZone) => nextPriceChange(rules.map(asRule), from, timeZone),
    invalidReason: (body) => {
      try {
        validateRule(body);
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    },
  };
}
