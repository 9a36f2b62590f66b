import type { CartLine, ProductRulesCache } from './cart-lines';
import { Catalog, type ProductSource } from './catalog';
import { createContext, type PricingContext, type PricingOptions } from './context';
import { runPricing } from './pipeline';
import type { PricedCart } from './result';
import { indexRules, RuleIndex } from './rule-index';
import { createSessionMemo, type SessionMemo } from './session-memo';

export interface PriceCartInput extends PricingOptions {
  /** The moment priced, epoch ms (the engine never reads a clock). */
  at: number;
  lines: readonly CartLine[];
  /** SKU → product, or a Catalog kept between calls. */
  products: ProductSource | Catalog;
  /** Rules as JSON (validated here) or an index built once with indexRules. */
  rules: RuleIndex | readonly unknown[];
}

export interface SessionOptions extends PricingOptions {
  products: ProductSource | Catalog;
  rules: RuleIndex | readonly unknown[];
}

/** Best-deal answers kept per session; the oldest go first beyond this. */
const MEMO_SIZE = 256;
/** Products whose lines a session keeps priced; the oldest go first beyond this. */
const PRODUCTS_KEPT = 4_096;

/**
 * One checkout's pricing, for callers that price the same cart again and again (a terminal
 * on every scan, a storefront cart page). It keeps what does not change between prices of
 * one checkout — each line priced up to the cart-wide steps (unit prices, line rules, figures)
 * by the facts it depended on, best-deal answers by their inputs — so a scan recomputes the
 * changed line and the cart-wide steps. The customer, coupons and currency are fixed for a
 * session: new facts mean a new session (as the checkout cache of a terminal does). `at` and
 * the lines are passed on every call; nothing else is kept.
 */
export class PricingSession {
  readonly index: RuleIndex;
  readonly context: PricingContext;
  private readonly products: ProductRulesCache;
  private readonly memo: SessionMemo = createSessionMemo();

  constructor(options: SessionOptions) {
    ({ index: this.index, context: this.context, products: this.products } = prepare(options));
  }

  price(at: number, lines: readonly CartLine[]): PricedCart {
    forgetOldest(this.memo.deals, MEMO_SIZE);
    forgetOldest(this.memo.lines, PRODUCTS_KEPT);
    return runPricing({
      index: this.index,
      products: this.products,
      context: this.context,
      at,
      lines,
      memo: this.memo,
    });
  }
}

function forgetOldest<K>(map: Map<K, unknown>, size: number): void {
  while (map.size > size) map.delete(map.keys().next().value as K);
}

/**
 * Prices a cart: unit prices, line rules with the best deal, cart thresholds, rounding, tax,
 * shipping and totals, with explanations. Throws ValidationError (with `issues`) for bad input.
 */
export function priceCart(input: PriceCartInput): PricedCart {
  const { at, lines, ...options } = input;
  // A single price keeps nothing for later: no session memory to fill.
  return runPricing({ ...prepare(options), at, lines });
}

/** Rules indexed (validated if JSON), options checked, products ready to look up. */
function prepare(options: SessionOptions): { index: RuleIndex; context: PricingContext; products: ProductRulesCache } {
  const index = options.rules instanceof RuleIndex ? options.rules : indexRules(options.rules);
  const context = createContext(options, index.zones);
  const catalog = options.products instanceof Catalog ? options.products : new Catalog(options.products);
  return { index, context, products: index.productsIn(catalog) };
}
