import Decimal from 'decimal.js';
import type pg from 'pg';

export interface PricedLine {
  sku: string;
  name: string;
  qty: number;
  unitPrice: Decimal;
  discount: Decimal;
  lineTotal: Decimal;
  tax: Decimal;
}

export interface PricedOrder {
  currency: string;
  lines: PricedLine[];
  subtotal: Decimal;
  discount: Decimal;
  tax: Decimal;
  total: Decimal;
  /** How the order was priced, stored with it for the audit trail. */
  pricing: Record<string, unknown>;
}

/** Digits after the point of a currency's minor unit (USD 2, JPY 0, KWD 3), from ICU. */
export function minorUnitDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * Prices the lines of an order from the products' base prices and tax rates.
 *
 * TODO(pricing service): once `apps/store-server/src/pricing/` (the pricing helper's work on
 * issue 5, built on @till/engine) is on main, price orders through it instead, so that an
 * order gets the same price lists, promotions and rates snapshot as `POST /v1/carts/price`.
 *
 * Rounding: each line total and line tax is rounded half-up to the currency's minor unit; the
 * order's totals are the sums of the lines, so lines always add up to the total exactly.
 */
export async function priceOrderLines(
  client: pg.PoolClient,
  storeId: string,
  lines: ReadonlyArray<{ sku: string; qty: number }>,
): Promise<PricedOrder> {
  const { rows } = await client.query<{
    sku: string;
    name: string;
    base_price: string;
    currency: string;
    tax_rate: string;
    tax_included: boolean;
    store_currency: string;
  }>(
    `SELECT p.sku, p.name, p.base_price::text, p.currency, p.tax_rate::text, s.tax_included, s.currency AS store_currency
     FROM products p CROSS JOIN stores s WHERE s.id = $1 AND p.sku = ANY($2::text[])`,
    [storeId, lines.map((l) => l.sku)],
  );
  const bySku = new Map(rows.map((r) => [r.sku, r]));
  const currency = rows[0]?.store_currency ?? 'USD';
  const digits = minorUnitDigits(currency);
  const round = (d: Decimal) => d.toDecimalPlaces(digits, Decimal.ROUND_HALF_UP);
  const priced = lines.map((line): PricedLine => {
    const product = bySku.get(line.sku);
    if (!product) throw new Error(`Product ${line.sku} has no price`);
    if (product.currency !== currency) {
      throw new Error(`Product ${line.sku} is priced in ${product.currency}, the store sells in ${currency}`);
    }
    const unitPrice = new Decimal(product.base_price);
    const rate = new Decimal(product.tax_rate);
    const lineTotal = round(unitPrice.times(line.qty));
    // Tax included: the price already contains it; otherwise it is added on top.
    const tax = product.tax_included
      ? round(lineTotal.minus(lineTotal.dividedBy(rate.plus(1))))
      : round(lineTotal.times(rate));
    return { sku: line.sku, name: product.name, qty: line.qty, unitPrice, discount: new Decimal(0), lineTotal, tax };
  });
  const sum = (pick: (l: PricedLine) => Decimal) => priced.reduce((acc, l) => acc.plus(pick(l)), new Decimal(0));
  const subtotal = sum((l) => l.lineTotal);
  const tax = sum((l) => l.tax);
  const taxIncluded = rows[0]?.tax_included ?? false;
  return {
    currency,
    lines: priced,
    subtotal,
    discount: new Decimal(0),
    tax,
    total: taxIncluded ? subtotal : subtotal.plus(tax),
    pricing: { source: 'base-prices', taxIncluded },
  };
}
