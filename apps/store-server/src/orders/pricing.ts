import Decimal from 'decimal.js';
import type { PricedCartBody } from '../api/carts';
import type { PriceCartInput, PricingService } from '../pricing/service';

/** An order's lines and totals as the pricing service priced them (amounts in `currency`). */
export interface PricedOrder {
  currency: string;
  lines: Array<{ sku: string; qty: number; unitPrice: string; discount: string; lineTotal: string; tax: string }>;
  subtotal: string;
  discount: string;
  tax: string;
  total: string;
  /** How the order was priced (rules and rates snapshots, currency and why), kept with it. */
  pricing: Record<string, unknown>;
}

/** What the shopper's cart was priced with, beside its lines. */
export interface OrderPricingOptions {
  customerId?: string | undefined;
  coupons?: readonly string[] | undefined;
  currency?: string | undefined;
  clientIp?: string | undefined;
}

export type PriceOrder = (
  storeId: string,
  lines: ReadonlyArray<{ sku: string; qty: number }>,
  options: OrderPricingOptions,
) => Promise<PricedOrder>;

/** Digits after the point of a currency's minor unit (USD 2, JPY 0, KWD 3), from ICU. */
export function minorUnitDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * Prices an order's lines with the pricing service (`app.pricing`), exactly as `POST
 * /v1/carts/price` prices the same cart: one consistent rules snapshot, the customer's
 * segments, coupons, the currency and its rates snapshot; the order keeps which ones.
 */
export function orderPricer(pricing: PricingService): PriceOrder {
  return async (storeId, lines, options) => {
    const input: PriceCartInput = {
      storeId,
      lines,
      customer: options.customerId ? { id: options.customerId } : undefined,
      coupons: options.coupons ?? [],
      currency: options.currency,
      clientIp: options.clientIp,
      channel: 'online',
      fieldPrefix: 'body.',
    };
    return toPricedOrder(await pricing.priceCart(input));
  };
}

export function toPricedOrder(cart: PricedCartBody): PricedOrder {
  const tax = cart.totals.tax;
  return {
    currency: cart.currency,
    lines: cart.lines.map((l) => ({
      sku: l.sku,
      qty: l.qty,
      unitPrice: l.unitPrice,
      discount: l.discount,
      lineTotal: l.total,
      tax: l.tax,
    })),
    subtotal: cart.totals.subtotal,
    discount: cart.totals.discount,
    tax,
    total: cart.totals.total,
    pricing: {
      source: 'pricing-service',
      currency: cart.currency,
      currencySource: cart.currencySource,
      rulesSnapshot: cart.rulesSnapshot,
      ratesSnapshot: cart.ratesSnapshot,
      pricedAt: cart.pricedAt,
      taxIncluded: cart.taxIncluded,
      rulesUsed: cart.rulesUsed,
      customer: cart.customer,
      explanations: cart.explanations.applied.map((a) => a.text),
    },
  };
}

/** True when a payment's amount is the order total (same currency, same value). */
export const paysTotal = (paid: { amount: string; currency: string }, priced: PricedOrder) =>
  paid.currency === priced.currency && new Decimal(paid.amount).equals(priced.total);
