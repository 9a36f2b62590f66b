import type pg from 'pg';
import type { PricedCartBody } from '../api/carts';
import { inTransaction } from '../db/pool';
import { AppError } from '../errors';
import { type CartFacts, type Channel, loadCartFacts } from './cart-facts';
import { type CurrencyChoice, preferredCurrency } from './currency';
import {
  type EngineCartInput,
  type EnginePricedCart,
  type EngineProduct,
  engineSession,
  priceWithEngine,
} from './engine';
import { type RatesSnapshot, ratesPer } from './rates';
import { loadRulesSnapshot, type RulesSnapshot, RulesSnapshots } from './snapshot';

/**
 * The pricing service (`app.pricing`): prices carts for the storefront API, the product
 * listing and orders. Per request it reads the cart's facts in one statement and takes the
 * rules snapshot of exactly the version those facts were read at, so a cart is always
 * priced from one consistent set of rules (ARCHITECTURE invariant 6), and it names that
 * snapshot and the exchange-rate snapshot in its answer.
 */

export interface PriceCartInput {
  storeId: string;
  lines: ReadonlyArray<{ sku: string; qty: number }>;
  customer?: { id: string } | null;
  coupons?: readonly string[];
  /** ISO 4217 code the shopper chose; otherwise GeoIP from `clientIp`, otherwise the store's. */
  currency?: string;
  clientIp?: string;
  /** The moment to price at (epoch ms or Date); default now. */
  at?: number | Date;
  /** Price lists apply per channel: terminals are 'pos', storefronts 'online' (default). */
  channel?: Channel;
  shipping?: { price: string };
  /** Where the cart sits in the caller's request, for field names in errors (e.g. "body."). */
  fieldPrefix?: string;
}

/** What pricing used, besides the rules themselves: named in every priced answer. */
export interface PricingContext {
  at: number;
  currency: CurrencyChoice;
  store: CartFacts['store'];
  customer: { id: string; segments: string[] } | null;
  rulesSnapshot: { id: string; version: number };
  ratesSnapshot: (Pick<RatesSnapshot, 'id' | 'base' | 'asOf' | 'source'> & { rate: string }) | null;
  /** Exactly what the engine is given. */
  engineInput: EngineCartInput;
}

const MAX_VERSION_RACES = 3;

export class PricingService {
  readonly snapshots: RulesSnapshots;

  constructor(
    private readonly db: pg.Pool,
    private readonly countryOf: ((ip: string) => string | undefined) | undefined,
    log: { warn: (details: object, message: string) => void } = { warn: () => {} },
  ) {
    this.snapshots = new RulesSnapshots(db, (snapshot) => {
      if (snapshot.skipped.length > 0) {
        log.warn(
          { snapshot: snapshot.id, skipped: snapshot.skipped },
          'stored rules the pricing engine refuses are left out of pricing',
        );
      }
    });
  }

  /**
   * Facts and rules of one pricing version. Usually one statement plus a cached snapshot;
   * when a change lands between the two reads, it reads again; under a storm of changes it
   * reads both inside one REPEATABLE READ transaction.
   */
  async consistentFacts(
    query: Parameters<typeof loadCartFacts>[1],
  ): Promise<{ facts: CartFacts; rules: RulesSnapshot }> {
    for (let attempt = 0; attempt < MAX_VERSION_RACES; attempt++) {
      const facts = await loadCartFacts(this.db, query);
      const rules = await this.snapshots.at(query.storeId, facts.version);
      if (rules.version === facts.version) return { facts, rules };
    }
    return inTransaction(this.db, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const facts = await loadCartFacts(client, query);
      return { facts, rules: await loadRulesSnapshot(client, query.storeId) };
    });
  }

  /** Everything the engine needs to price this cart, read consistently; refuses bad input naming the field. */
  async prepare(input: PriceCartInput): Promise<PricingContext> {
    const prefix = input.fieldPrefix ?? '';
    const at = input.at === undefined ? Date.now() : typeof input.at === 'number' ? input.at : input.at.getTime();
    const skus = [...new Set(input.lines.map((l) => l.sku))];
    // The store's currency is only known with the facts; GeoIP's guess is checked against it after.
    const guess = preferredCurrency({
      requested: input.currency,
      requestedField: `${prefix}currency`,
      clientIp: input.clientIp,
      countryOf: this.countryOf,
    });
    const { facts, rules } = await this.consistentFacts({
      storeId: input.storeId,
      skus,
      customerId: input.customer?.id,
      currency: guess.currency,
    });
    const store = facts.store;
    requireSellable(facts, input.lines, prefix);
    if (facts.customer === null) {
      throw new AppError(400, 'UNKNOWN_CUSTOMER', `No customer ${input.customer?.id} in this store`, {
        fields: [{ field: `${prefix}customerId`, problem: 'no such customer' }],
      });
    }
    const { currency, rates, ratesSnapshot } = settleCurrency(guess, facts, prefix);

    const products: Record<string, EngineProduct> = {};
    for (const sku of skus) {
      const p = facts.products.get(sku);
      if (p) products[sku] = { price: p.price, category: p.category, taxRate: p.taxRate };
    }
    const customer = facts.customer ?? null;
    const engineInput: EngineCartInput = {
      at,
      currency: currency.currency,
      baseCurrency: store.currency,
      ...(rates ? { rates } : {}),
      timeZone: store.timeZone,
      taxIncluded: store.taxIncluded,
      stacking: store.stacking,
      storeId: input.storeId,
      channel: input.channel ?? 'online',
      ...(customer ? { customer: { id: customer.id, segments: customer.segments } } : {}),
      coupons: [...(input.coupons ?? [])],
      ...(input.shipping ? { shipping: input.shipping } : {}),
      lines: input.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
      products,
      rules: rules.prepared,
    };
    return {
      at,
      currency,
      store,
      customer,
      rulesSnapshot: { id: rules.id, version: rules.version },
      ratesSnapshot,
      engineInput,
    };
  }

  /** Prices a cart: lines, totals and explanations, naming the rules and rates snapshots used. */
  async priceCart(input: PriceCartInput): Promise<PricedCartBody> {
    const context = await this.prepare(input);
    return toPricedCartBody(priceWithEngine(context.engineInput), context);
  }

  /**
   * The price of one unit of each product for a shopper (a listing): each product priced as
   * a one-unit cart of its own, with no coupons — what one unit bought alone costs. Deals
   * that need more units or other products show in the cart, not here.
   */
  async priceProducts(input: Omit<PriceCartInput, 'lines' | 'coupons' | 'shipping'> & { skus: readonly string[] }) {
    const context = await this.prepare({ ...input, lines: input.skus.map((sku) => ({ sku, qty: 1 })), coupons: [] });
    const { at, lines: _lines, ...options } = context.engineInput;
    const price = engineSession(options);
    const prices = new Map<string, ProductPrice>();
    let nextChange: number | null = null;
    for (const sku of input.skus) {
      const priced = price(at, [{ sku, qty: 1 }]);
      const line = priced.lines[0];
      if (!line) continue;
      prices.set(sku, {
        price: line.total,
        listPrice: line.unitPrice,
        basePrice: line.basePrice,
        discounts: line.discounts.map((d) => ({ ruleId: d.ruleId, name: d.name, amount: d.amount, text: d.text })),
      });
      if (priced.validUntil !== null && (nextChange === null || priced.validUntil < nextChange)) {
        nextChange = priced.validUntil;
      }
    }
    return { basis: pricingBasis(context, nextChange), prices };
  }
}

export interface ProductPrice {
  price: string;
  listPrice: string;
  basePrice: string;
  discounts: Array<{ ruleId: string; name?: string; amount: string; text: string }>;
}

/** What every priced answer says about how it was priced. */
export function pricingBasis(context: PricingContext, nextChange: number | null) {
  return {
    currency: context.currency.currency,
    currencySource: context.currency.source,
    country: context.currency.country,
    rulesSnapshot: context.rulesSnapshot,
    ratesSnapshot: context.ratesSnapshot,
    pricedAt: new Date(context.at).toISOString(),
    nextPriceChange: nextChange === null ? null : new Date(nextChange).toISOString(),
  };
}

/** The engine's priced cart as the API answers it, with the basis it was priced on. */
export function toPricedCartBody(result: EnginePricedCart, context: PricingContext): PricedCartBody {
  const nearMiss = (m: EnginePricedCart['explanations']['nearMisses'][number]) => ({
    ...m,
    startsAt: m.startsAt === undefined ? undefined : new Date(m.startsAt).toISOString(),
  });
  return {
    ...pricingBasis(context, result.validUntil),
    baseCurrency: result.baseCurrency,
    taxIncluded: result.taxIncluded,
    stacking: result.stacking,
    customer: context.customer,
    lines: result.lines.map((line) => ({
      ...line,
      adjustment: line.adjustment ?? null,
      nearMisses: line.nearMisses.map(nearMiss),
    })),
    totals: {
      subtotal: result.subtotal,
      discount: result.discount,
      tax: result.tax,
      shippingCharge: result.shippingCharge,
      shippingDiscount: result.shippingDiscount,
      shipping: result.shipping,
      total: result.total,
    },
    rulesUsed: result.rulesUsed,
    approximate: result.approximate,
    explanations: {
      applied: result.explanations.applied,
      nearMisses: result.explanations.nearMisses.map(nearMiss),
      coupons: result.explanations.coupons,
    },
  };
}

/** Every line's product exists, is for sale, and is priced in the store's currency. */
function requireSellable(facts: CartFacts, lines: PriceCartInput['lines'], prefix: string): void {
  lines.forEach((line, i) => {
    const product = facts.products.get(line.sku);
    if (!product?.active) {
      throw new AppError(400, 'UNKNOWN_SKU', `No product ${line.sku} is for sale here`, {
        sku: line.sku,
        fields: [{ field: `${prefix}lines.${i}.sku`, problem: product ? 'is not for sale' : 'no such product' }],
      });
    }
    if (product.currency !== facts.store.currency) {
      throw new AppError(
        422,
        'CURRENCY_MISMATCH',
        `${line.sku} is priced in ${product.currency}, the store in ${facts.store.currency}`,
        { sku: line.sku },
      );
    }
  });
}

/**
 * The currency the cart is priced in and the rates that convert it: a currency asked for
 * without a rate is refused (422); a GeoIP guess without one falls back to the store's.
 */
function settleCurrency(
  guess: ReturnType<typeof preferredCurrency>,
  facts: CartFacts,
  prefix: string,
): {
  currency: CurrencyChoice;
  rates: Record<string, string> | undefined;
  ratesSnapshot: PricingContext['ratesSnapshot'];
} {
  const base = facts.store.currency;
  const currency: CurrencyChoice = { ...guess, currency: guess.currency ?? base };
  if (currency.currency === base) return { currency, rates: undefined, ratesSnapshot: null };
  const snapshot = facts.rates ?? undefined;
  const rates = snapshot ? ratesPer(snapshot, base) : undefined;
  const rate = rates?.[currency.currency];
  if (snapshot && rates && rate) {
    return {
      currency,
      rates,
      ratesSnapshot: { id: snapshot.id, base, asOf: snapshot.asOf, source: snapshot.source, rate },
    };
  }
  if (currency.source === 'parameter') {
    throw new AppError(
      422,
      'NO_EXCHANGE_RATE',
      `There is no exchange rate from ${base} to ${currency.currency}; price in ${base} or another currency`,
      { currency: currency.currency, fields: [{ field: `${prefix}currency`, problem: 'has no exchange rate' }] },
    );
  }
  return { currency: { ...currency, currency: base, source: 'store' }, rates: undefined, ratesSnapshot: null };
}
