import type { Db } from './platform/db';
import { normalizeCoupon, type RuleMeta, ruleMeta } from './rule-meta';

/** The catalog replica: products, barcodes, prices, rules with their windows, customers. */

export interface ProductRecord {
  sku: string;
  barcode: string | null;
  name: string;
  category: string;
  parentSku: string | null;
  attributes: Record<string, string>;
  /** Base price, a decimal string in `currency` (the store's base currency). */
  price: string;
  currency: string;
  taxRate: string;
  active: boolean;
}

export interface CustomerRecord {
  id: string;
  name: string;
  loyaltyCard: string | null;
  phone: string | null;
  email: string | null;
  segments: string[];
}

export interface RuleRecord {
  id: string;
  body: Record<string, unknown>;
  /** Has a recurrence: its bounds alone do not say whether it is active in a window. */
  recurring?: boolean;
}

/** A price list as the server describes it (its prices come one by one). */
export interface PriceListMeta {
  id: string;
  name?: string;
  priority?: number;
  /** "all", or the one channel (e.g. "pos") it prices. */
  channel?: string;
}

/** The engine rule of a price list, as the server makes it: overriding list prices, for its channel. */
function priceListRuleOf(
  ruleId: string,
  list: PriceListMeta,
): Record<string, unknown> & { prices: { sku: string; price: string }[] } {
  return {
    id: ruleId,
    kind: 'priceList',
    ...(list.name ? { name: list.name } : {}),
    ...(list.priority === undefined ? {} : { priority: list.priority }),
    override: true,
    ...(list.channel && list.channel !== 'all' ? { channels: [list.channel] } : {}),
    prices: [],
  };
}

/** A rate this terminal prices with: units of `currency` per one unit of the store's currency. */
export interface ExchangeRate {
  currency: string;
  rate: string;
  /** The server's rates snapshot it comes from (null: a rate kept before snapshots were named). */
  snapshotId: string | null;
  /** When the snapshot's rates are valid from, and when the server received it (epoch ms). */
  asOf: number;
  receivedAt: number;
}

interface RateRow {
  currency: string;
  rate: string;
  snapshot_id: string | null;
  as_of: number;
  received_at: number;
}

const toExchangeRate = (row: RateRow): ExchangeRate => ({
  currency: row.currency,
  rate: row.rate,
  snapshotId: row.snapshot_id,
  asOf: row.as_of,
  receivedAt: row.received_at,
});

export interface Window {
  start: number;
  end: number;
}

interface ProductRow {
  sku: string;
  barcode: string | null;
  name: string;
  category: string;
  parent_sku: string | null;
  attributes: string;
  price: string;
  currency: string;
  tax_rate: string;
  active: number;
}

interface CustomerRow {
  id: string;
  name: string;
  loyalty_card: string | null;
  phone: string | null;
  email: string | null;
  segments: string;
}

const PRODUCT_COLUMNS = 'sku, barcode, name, category, parent_sku, attributes, price, currency, tax_rate, active';

const toProduct = (row: ProductRow): ProductRecord => ({
  sku: row.sku,
  barcode: row.barcode,
  name: row.name,
  category: row.category,
  parentSku: row.parent_sku,
  attributes: JSON.parse(row.attributes) as Record<string, string>,
  price: row.price,
  currency: row.currency,
  taxRate: row.tax_rate,
  active: row.active === 1,
});

const toCustomer = (row: CustomerRow): CustomerRecord => ({
  id: row.id,
  name: row.name,
  loyaltyCard: row.loyalty_card,
  phone: row.phone,
  email: row.email,
  segments: JSON.parse(row.segments) as string[],
});

/** Digits only; phone numbers compare by their last 10 digits so "+1 (212) 555-0100" finds "2125550100". */
export function phoneKey(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 6 ? digits.slice(-10) : null;
}

/** A 12-digit UPC-A is the EAN-13 with a leading zero. */
function barcodeCandidates(code: string): string[] {
  return /^\d{12}$/.test(code) ? [code, `0${code}`] : [code];
}

/** Words of a search box as an FTS5 query: every word must match a prefix of a word of the name or SKU. */
function ftsQuery(text: string): string | null {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 8);
  return words.length === 0 ? null : words.map((w) => `"${w}"*`).join(' ');
}

export class CatalogStore {
  constructor(private readonly db: Db) {}

  // --- reads ---------------------------------------------------------------------------

  findByCode(code: string): ProductRecord | undefined {
    const trimmed = code.trim();
    for (const candidate of barcodeCandidates(trimmed)) {
      const row = this.db.get<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE barcode = ?`, [candidate]);
      if (row) return toProduct(row);
    }
    const bySku =
      this.db.get<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE sku = ?`, [trimmed]) ??
      this.db.get<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE sku = ? COLLATE NOCASE`, [trimmed]);
    return bySku ? toProduct(bySku) : undefined;
  }

  product(sku: string): ProductRecord | undefined {
    const row = this.db.get<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE sku = ?`, [sku]);
    return row ? toProduct(row) : undefined;
  }

  search(text: string, limit = 20): ProductRecord[] {
    const query = ftsQuery(text);
    if (!query) return [];
    const rows = this.db.all<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS.split(', ')
        .map((c) => `p.${c}`)
        .join(', ')}
         FROM products_search s JOIN products p ON p.rowid = s.rowid
        WHERE products_search MATCH ? AND p.active = 1
        ORDER BY s.rank LIMIT ?`,
      [query, limit],
    );
    return rows.map(toProduct);
  }

  counts(): { products: number; rules: number; customers: number } {
    const one = (sql: string) => this.db.get<{ n: number }>(sql)?.n ?? 0;
    return {
      products: one('SELECT count(*) AS n FROM products WHERE active = 1'),
      rules: one('SELECT count(*) AS n FROM rules'),
      customers: one('SELECT count(*) AS n FROM customers'),
    };
  }

  /**
   * Rules that can touch `sku` (by SKU, by category, or store-wide) and whose outer bounds
   * meet the window. Recurring rules come back whenever their bounds meet the window; the
   * checkout cache asks the engine whether an occurrence falls inside it.
   */
  rulesForItem(sku: string, category: string, window: Window): RuleRecord[] {
    const rows = this.db.all<{ id: string; body: string; recurring: number }>(
      `SELECT r.id, r.body, r.recurring FROM rules r
        WHERE r.id IN (
                SELECT rule_id FROM rule_targets WHERE kind = 'sku' AND value = :sku
                UNION SELECT rule_id FROM rule_targets WHERE kind = 'category' AND value = :category
                UNION SELECT id FROM rules WHERE applies_to_all = 1)
          AND (r.valid_from IS NULL OR r.valid_from <= :end)
          AND (r.valid_to IS NULL OR r.valid_to > :start)`,
      { sku, category, start: window.start, end: window.end },
    );
    return rows.map((row) => ({
      id: row.id,
      body: JSON.parse(row.body) as Record<string, unknown>,
      recurring: row.recurring === 1,
    }));
  }

  rulesWithCoupon(code: string): RuleRecord[] {
    return this.db
      .all<{ id: string; body: string }>(
        `SELECT r.id, r.body FROM rule_targets t JOIN rules r ON r.id = t.rule_id WHERE t.kind = 'coupon' AND t.value = ?`,
        [normalizeCoupon(code)],
      )
      .map((row) => ({ id: row.id, body: JSON.parse(row.body) as Record<string, unknown> }));
  }

  findCustomer(query: string): CustomerRecord | undefined {
    const trimmed = query.trim();
    const byCard = this.db.get<CustomerRow>('SELECT * FROM customers WHERE loyalty_card = ?', [trimmed]);
    if (byCard) return toCustomer(byCard);
    const phone = phoneKey(trimmed);
    const byPhone = phone
      ? this.db.get<CustomerRow>('SELECT * FROM customers WHERE phone_digits = ?', [phone])
      : undefined;
    return byPhone ? toCustomer(byPhone) : undefined;
  }

  customer(id: string): CustomerRecord | undefined {
    const row = this.db.get<CustomerRow>('SELECT * FROM customers WHERE id = ?', [id]);
    return row ? toCustomer(row) : undefined;
  }

  available(sku: string): number | null {
    return (
      this.db.get<{ available: number }>('SELECT available FROM stock_levels WHERE sku = ?', [sku])?.available ?? null
    );
  }

  rates(): Record<string, string> {
    const rows = this.db.all<{ currency: string; rate: string }>('SELECT currency, rate FROM exchange_rates');
    return Object.fromEntries(rows.map((r) => [r.currency, r.rate]));
  }

  /** Every currency this terminal can price in besides the store's, A to Z. */
  exchangeRates(): ExchangeRate[] {
    return this.db
      .all<RateRow>('SELECT currency, rate, snapshot_id, as_of, received_at FROM exchange_rates ORDER BY currency')
      .map(toExchangeRate);
  }

  exchangeRate(currency: string): ExchangeRate | undefined {
    const row = this.db.get<RateRow>(
      'SELECT currency, rate, snapshot_id, as_of, received_at FROM exchange_rates WHERE currency = ?',
      [currency],
    );
    return row ? toExchangeRate(row) : undefined;
  }

  // --- writes (called by the sync store inside its transaction) -------------------------

  upsertProduct(product: ProductRecord, seq: number): void {
    this.db.run(
      `INSERT INTO products (sku, barcode, name, category, parent_sku, attributes, price, currency, tax_rate, active, seq)
       VALUES (:sku, :barcode, :name, :category, :parentSku, :attributes, :price, :currency, :taxRate, :active, :seq)
       ON CONFLICT (sku) DO UPDATE SET barcode = excluded.barcode, name = excluded.name, category = excluded.category,
         parent_sku = excluded.parent_sku, attributes = excluded.attributes, price = excluded.price,
         currency = excluded.currency, tax_rate = excluded.tax_rate, active = excluded.active, seq = excluded.seq`,
      {
        sku: product.sku,
        barcode: product.barcode,
        name: product.name,
        category: product.category,
        parentSku: product.parentSku,
        attributes: JSON.stringify(product.attributes),
        price: product.price,
        currency: product.currency,
        taxRate: product.taxRate,
        active: product.active ? 1 : 0,
        seq,
      },
    );
  }

  setPrice(sku: string, price: string, seq: number): boolean {
    return this.db.run('UPDATE products SET price = ?, seq = ? WHERE sku = ?', [price, seq, sku]).changes > 0;
  }

  deactivateProduct(sku: string, seq: number): void {
    this.db.run('UPDATE products SET active = 0, seq = ? WHERE sku = ?', [seq, sku]);
  }

  upsertCategory(category: { id: string; name: string; parentId: string | null }): void {
    this.db.run(
      `INSERT INTO categories (id, name, parent_id) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id`,
      [category.id, category.name, category.parentId],
    );
  }

  upsertRule(body: Record<string, unknown>, seq: number): RuleMeta {
    const meta = ruleMeta(body);
    this.db.run(
      `INSERT INTO rules (id, body, valid_from, valid_to, recurring, applies_to_all, seq)
       VALUES (:id, :body, :validFrom, :validTo, :recurring, :appliesToAll, :seq)
       ON CONFLICT (id) DO UPDATE SET body = excluded.body, valid_from = excluded.valid_from,
         valid_to = excluded.valid_to, recurring = excluded.recurring, applies_to_all = excluded.applies_to_all,
         seq = excluded.seq`,
      {
        id: meta.id,
        body: JSON.stringify(body),
        validFrom: meta.validFrom,
        validTo: meta.validTo,
        recurring: meta.recurring ? 1 : 0,
        appliesToAll: meta.appliesToAll ? 1 : 0,
        seq,
      },
    );
    this.db.run('DELETE FROM rule_targets WHERE rule_id = ?', [meta.id]);
    for (const sku of meta.skus) {
      this.db.run(`INSERT OR IGNORE INTO rule_targets (kind, value, rule_id) VALUES ('sku', ?, ?)`, [sku, meta.id]);
    }
    for (const category of meta.categories) {
      this.db.run(`INSERT OR IGNORE INTO rule_targets (kind, value, rule_id) VALUES ('category', ?, ?)`, [
        category,
        meta.id,
      ]);
    }
    for (const coupon of meta.coupons) {
      this.db.run(`INSERT OR IGNORE INTO rule_targets (kind, value, rule_id) VALUES ('coupon', ?, ?)`, [
        coupon,
        meta.id,
      ]);
    }
    return meta;
  }

  upsertPriceList(list: PriceListMeta): void {
    this.db.run(
      'INSERT INTO price_lists (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body',
      [list.id, JSON.stringify(list)],
    );
  }

  removePriceList(id: string): void {
    this.db.run('DELETE FROM price_lists WHERE id = ?', [id]);
  }

  /**
   * Sets (or, with null, removes) one SKU's entry of a price list's rule, making the rule
   * from the list when it has none yet; false when neither the rule nor the list is known.
   */
  setPriceListEntry(priceListId: string, ruleId: string, sku: string, price: string | null, seq: number): boolean {
    const row = this.db.get<{ body: string }>('SELECT body FROM rules WHERE id = ?', [ruleId]);
    const meta = this.db.get<{ body: string }>('SELECT body FROM price_lists WHERE id = ?', [priceListId]);
    if (!row && !meta) return false;
    const body = row
      ? (JSON.parse(row.body) as Record<string, unknown> & { prices?: { sku: string; price: string }[] })
      : priceListRuleOf(ruleId, JSON.parse(meta?.body ?? '{}') as PriceListMeta);
    const prices = (body.prices ?? []).filter((e) => e.sku !== sku);
    if (price !== null) prices.push({ sku, price });
    // A price list with no entries left prices nothing (and the engine refuses an empty one).
    if (prices.length === 0) this.removeRule(ruleId);
    else this.upsertRule({ ...body, prices }, seq);
    return true;
  }

  removeRule(id: string): void {
    this.db.run('DELETE FROM rules WHERE id = ?', [id]);
  }

  upsertCustomer(customer: CustomerRecord, seq: number): void {
    this.db.run(
      `INSERT INTO customers (id, name, loyalty_card, phone_digits, phone, email, segments, seq)
       VALUES (:id, :name, :card, :phoneDigits, :phone, :email, :segments, :seq)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, loyalty_card = excluded.loyalty_card,
         phone_digits = excluded.phone_digits, phone = excluded.phone, email = excluded.email,
         segments = excluded.segments, seq = excluded.seq`,
      {
        id: customer.id,
        name: customer.name,
        card: customer.loyaltyCard,
        phoneDigits: customer.phone ? phoneKey(customer.phone) : null,
        phone: customer.phone,
        email: customer.email,
        segments: JSON.stringify(customer.segments),
        seq,
      },
    );
  }

  removeCustomer(id: string): void {
    this.db.run('DELETE FROM customers WHERE id = ?', [id]);
  }

  setAvailable(sku: string, available: number, at: number): void {
    this.db.run(
      `INSERT INTO stock_levels (sku, available, at) VALUES (?, ?, ?)
       ON CONFLICT (sku) DO UPDATE SET available = excluded.available, at = excluded.at
       WHERE excluded.at >= stock_levels.at`,
      [sku, available, at],
    );
  }

  /**
   * Keeps `rate` for its currency unless the rate already kept comes from a newer snapshot
   * (later as_of, or the same as_of received later): the server prices with the newest.
   */
  setRate(rate: ExchangeRate): void {
    this.db.run(
      `INSERT INTO exchange_rates (currency, rate, snapshot_id, as_of, received_at)
       VALUES (:currency, :rate, :snapshotId, :asOf, :receivedAt)
       ON CONFLICT (currency) DO UPDATE SET rate = excluded.rate, snapshot_id = excluded.snapshot_id,
         as_of = excluded.as_of, received_at = excluded.received_at
       WHERE (excluded.as_of, excluded.received_at) >= (exchange_rates.as_of, exchange_rates.received_at)`,
      { ...rate },
    );
  }

  /** Empties the replica before a full snapshot is loaded. */
  clear(): void {
    this.db.exec(
      'DELETE FROM rule_targets; DELETE FROM rules; DELETE FROM price_lists; DELETE FROM products; DELETE FROM categories; DELETE FROM customers; DELETE FROM stock_levels; DELETE FROM exchange_rates;',
    );
  }
}
