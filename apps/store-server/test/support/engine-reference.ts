import { type PricedCart, priceCart } from '@till/engine';
import type pg from 'pg';
import type { PriceCartBody, TillClient } from '../../src/client';

/**
 * What the engine says a cart costs, computed here from what the API and the database
 * show — the stored rules' effective forms, the products, the customer's segments, the
 * published rates — independently of the server's pricing service. Tests compare the
 * server's HTTP answer with it.
 */
export async function engineReference(
  manager: TillClient,
  db: pg.Pool,
  cart: Omit<PriceCartBody, 'coupons'> & { coupons?: string[]; at: string },
): Promise<PricedCart> {
  const rules: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  do {
    const page = await manager.rules.list({ query: { limit: 500, cursor } });
    for (const r of page.items) if (r.effective) rules.push(r.effective);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

  const skus = [...new Set(cart.lines.map((l) => l.sku))];
  const { rows } = await db.query<{ sku: string; price: string; category: string; tax_rate: string }>(
    'SELECT sku, base_price::text AS price, category_id AS category, tax_rate::text FROM products WHERE sku = ANY($1)',
    [skus],
  );
  const store = (
    await db.query<{ currency: string; time_zone: string; tax_included: boolean }>(
      `SELECT currency, time_zone, tax_included FROM stores WHERE id = 'demo'`,
    )
  ).rows[0];
  if (!store) throw new Error('no demo store');
  const customer = cart.customerId ? await manager.customers.get({ params: { id: cart.customerId } }) : undefined;
  const currency = cart.currency ?? store.currency;
  const rates = currency === store.currency ? undefined : (await manager.exchangeRates.current()).snapshot?.rates;

  return priceCart({
    at: Date.parse(cart.at),
    lines: cart.lines,
    products: Object.fromEntries(
      rows.map((p) => [p.sku, { price: p.price, category: p.category, taxRate: p.tax_rate }]),
    ),
    rules,
    currency,
    baseCurrency: store.currency,
    ...(rates ? { rates } : {}),
    timeZone: store.time_zone,
    taxIncluded: store.tax_included,
    stacking: 'withinPriority',
    storeId: 'demo',
    channel: cart.channel ?? 'online',
    ...(customer ? { customer: { id: customer.id, segments: customer.segments } } : {}),
    coupons: cart.coupons ?? [],
    ...(cart.shipping ? { shipping: cart.shipping } : {}),
  });
}
