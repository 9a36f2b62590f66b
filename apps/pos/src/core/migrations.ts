import type { Db } from './platform/db';

/**
 * The terminal database's own migrations, in order. Each runs once, in a transaction, and
 * `PRAGMA user_version` records how many have run. Append; never edit a released one.
 */
export const MIGRATIONS: readonly { name: string; sql: string }[] = [
  {
    name: '0001_terminal',
    sql: `
-- Terminal identity and store settings (JSON values): enrollment, store currency, zone, tax mode.
CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) STRICT;

-- What of the server's change feed this replica has applied. pricing_seq is the last
-- applied change that touched pricing data (products' prices, rules): a checkout cache
-- built at or after it is still the current snapshot. pricing_version is the store's
-- pricing version (from the server's pricing events): "<store>@<version>" names the rules
-- snapshot a sale was priced with, for the server's price reconciliation.
CREATE TABLE sync_state (
  id               INTEGER PRIMARY KEY CHECK (id = 1),
  applied_seq      INTEGER NOT NULL DEFAULT 0,
  pricing_seq      INTEGER NOT NULL DEFAULT 0,
  pricing_version  INTEGER,
  snapshot_at      INTEGER
) STRICT;
INSERT INTO sync_state (id) VALUES (1);

-- Catalog replica.
CREATE TABLE categories (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  parent_id  TEXT
) STRICT;

CREATE TABLE products (
  sku         TEXT PRIMARY KEY,
  barcode     TEXT,
  name        TEXT NOT NULL,
  category    TEXT NOT NULL,
  parent_sku  TEXT,
  attributes  TEXT NOT NULL DEFAULT '{}',
  price       TEXT NOT NULL,
  currency    TEXT NOT NULL,
  tax_rate    TEXT NOT NULL,
  active      INTEGER NOT NULL DEFAULT 1,
  seq         INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX products_barcode_idx ON products (barcode) WHERE barcode IS NOT NULL;

-- Search by name (and SKU): an external-content FTS5 index kept in step by triggers.
CREATE VIRTUAL TABLE products_search USING fts5(
  name, sku, content = 'products', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2'
);
-- While a snapshot is swapped in (a row in bulk_load), the index is rebuilt once at the
-- end instead of row by row.
CREATE TABLE bulk_load (id INTEGER PRIMARY KEY CHECK (id = 1)) STRICT;
CREATE TRIGGER products_search_insert AFTER INSERT ON products WHEN NOT EXISTS (SELECT 1 FROM bulk_load) BEGIN
  INSERT INTO products_search (rowid, name, sku) VALUES (new.rowid, new.name, new.sku);
END;
CREATE TRIGGER products_search_delete AFTER DELETE ON products WHEN NOT EXISTS (SELECT 1 FROM bulk_load) BEGIN
  INSERT INTO products_search (products_search, rowid, name, sku) VALUES ('delete', old.rowid, old.name, old.sku);
END;
CREATE TRIGGER products_search_update AFTER UPDATE OF name, sku ON products WHEN NOT EXISTS (SELECT 1 FROM bulk_load) BEGIN
  INSERT INTO products_search (products_search, rowid, name, sku) VALUES ('delete', old.rowid, old.name, old.sku);
  INSERT INTO products_search (rowid, name, sku) VALUES (new.rowid, new.name, new.sku);
END;

-- Pricing rules as the server sent them (JSON), with what the checkout cache selects by:
-- their outer time bounds (epoch ms; recurring rules are checked by the engine on top)
-- and their targets.
CREATE TABLE rules (
  id              TEXT PRIMARY KEY,
  body            TEXT NOT NULL,
  valid_from      INTEGER,
  valid_to        INTEGER,
  recurring       INTEGER NOT NULL DEFAULT 0,
  applies_to_all  INTEGER NOT NULL DEFAULT 0,
  seq             INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX rules_all_idx ON rules (applies_to_all) WHERE applies_to_all = 1;

CREATE TABLE rule_targets (
  -- coupon values are lower-cased codes (codes compare case-insensitively)
  kind     TEXT NOT NULL CHECK (kind IN ('sku', 'category', 'coupon')),
  value    TEXT NOT NULL,
  rule_id  TEXT NOT NULL REFERENCES rules (id) ON DELETE CASCADE,
  PRIMARY KEY (kind, value, rule_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX rule_targets_rule_idx ON rule_targets (rule_id);

-- Price lists as the server describes them: the replica turns each into the engine's
-- priceList rule (id "price-list:<id>") as its prices arrive.
CREATE TABLE price_lists (
  id    TEXT PRIMARY KEY,
  body  TEXT NOT NULL
) STRICT;

CREATE TABLE customers (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  loyalty_card  TEXT,
  phone_digits  TEXT,
  phone         TEXT,
  email         TEXT,
  segments      TEXT NOT NULL DEFAULT '[]',
  seq           INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX customers_card_idx ON customers (loyalty_card) WHERE loyalty_card IS NOT NULL;
CREATE INDEX customers_phone_idx ON customers (phone_digits) WHERE phone_digits IS NOT NULL;

-- Latest availability the server pushed (coalesced), to warn of items sold out on the server.
CREATE TABLE stock_levels (
  sku        TEXT PRIMARY KEY,
  available  INTEGER NOT NULL,
  at         INTEGER NOT NULL
) STRICT;

-- Exchange rates: units of currency per 1 unit of the store's base currency.
CREATE TABLE exchange_rates (
  currency  TEXT PRIMARY KEY,
  rate      TEXT NOT NULL,
  as_of     INTEGER NOT NULL
) STRICT;

-- Carts: at most one open (on screen), any number parked.
CREATE TABLE carts (
  id            TEXT PRIMARY KEY,
  status        TEXT NOT NULL CHECK (status IN ('open', 'parked', 'completed', 'cancelled')),
  cashier       TEXT NOT NULL,
  label         TEXT,
  customer      TEXT,
  coupons       TEXT NOT NULL DEFAULT '[]',
  currency      TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  parked_at     INTEGER,
  parked_total  TEXT,
  closed_at     INTEGER,
  sale_id       TEXT
) STRICT;
CREATE UNIQUE INDEX carts_one_open_idx ON carts (status) WHERE status = 'open';
CREATE INDEX carts_parked_idx ON carts (status, parked_at) WHERE status = 'parked';

CREATE TABLE cart_lines (
  cart_id   TEXT NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
  id        TEXT NOT NULL,
  position  INTEGER NOT NULL,
  sku       TEXT NOT NULL,
  qty       INTEGER NOT NULL CHECK (qty > 0),
  added_at  INTEGER NOT NULL,
  PRIMARY KEY (cart_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE cart_tenders (
  cart_id    TEXT NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
  id         TEXT NOT NULL,
  position   INTEGER NOT NULL,
  method     TEXT NOT NULL CHECK (method IN ('cash', 'card')),
  amount     TEXT NOT NULL,
  reference  TEXT,
  PRIMARY KEY (cart_id, id)
) STRICT, WITHOUT ROWID;

-- Each checkout's windowed pricing cache: one snapshot of pricing data for one window.
CREATE TABLE checkout_caches (
  cart_id       TEXT PRIMARY KEY REFERENCES carts (id) ON DELETE CASCADE,
  window_start  INTEGER NOT NULL,
  window_end    INTEGER NOT NULL,
  snapshot_seq  INTEGER NOT NULL,
  -- The server's name for the rules snapshot (null when the replica does not know it).
  snapshot_id   TEXT,
  facts         TEXT NOT NULL,
  built_at      INTEGER NOT NULL,
  -- Line totals when last shown, to tell the cashier which lines a snapshot switch changed.
  last_lines    TEXT NOT NULL DEFAULT '{}'
) STRICT;

CREATE TABLE checkout_cache_products (
  cart_id  TEXT NOT NULL REFERENCES checkout_caches (cart_id) ON DELETE CASCADE,
  sku      TEXT NOT NULL,
  body     TEXT NOT NULL,
  PRIMARY KEY (cart_id, sku)
) STRICT, WITHOUT ROWID;

CREATE TABLE checkout_cache_rules (
  cart_id  TEXT NOT NULL REFERENCES checkout_caches (cart_id) ON DELETE CASCADE,
  rule_id  TEXT NOT NULL,
  body     TEXT NOT NULL,
  PRIMARY KEY (cart_id, rule_id)
) STRICT, WITHOUT ROWID;

-- Completed sales and returns on this terminal (receipts, returns against a receipt).
CREATE TABLE sales (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('sale', 'return')),
  receipt_number  TEXT NOT NULL UNIQUE,
  cart_id         TEXT,
  original_sale   TEXT,
  completed_at    INTEGER NOT NULL,
  currency        TEXT NOT NULL,
  total           TEXT NOT NULL,
  body            TEXT NOT NULL
) STRICT;
CREATE INDEX sales_completed_idx ON sales (completed_at);

-- Everything the server must hear about, in order: sales, returns, drawer openings, as the
-- sync contract's outbox items (JSON). Written with synchronous=FULL before the screen
-- says done; settled (kept, with the server's reconciliation result) when answered.
CREATE TABLE outbox (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  kind         TEXT NOT NULL,
  item         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  settled_at   INTEGER,
  status       TEXT,
  result       TEXT
) STRICT;
CREATE INDEX outbox_pending_idx ON outbox (seq) WHERE settled_at IS NULL;

-- A snapshot being loaded: pages wait here; the commit replaces the replica with them in
-- one transaction, so the replica keeps serving, whole, until then.
CREATE TABLE snapshot_staging (
  snapshot_id  TEXT NOT NULL,
  section      TEXT NOT NULL,
  position     INTEGER NOT NULL,
  item         TEXT NOT NULL,
  PRIMARY KEY (snapshot_id, section, position)
) STRICT, WITHOUT ROWID;
`,
  },
  {
    name: '0002_rates_snapshots',
    sql: `
-- Each rate names the server's rates snapshot it comes from (a sale in another currency
-- names it, as the server's pricing does) and when that snapshot was received: of two
-- snapshots with the same as_of, the one received last is the newer.
ALTER TABLE exchange_rates ADD COLUMN snapshot_id TEXT;
ALTER TABLE exchange_rates ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;

-- The exchange rate a checkout cache was built with (JSON { currency, rate, snapshotId }),
-- null when the sale is in the store's currency: one rate for the whole checkout.
ALTER TABLE checkout_caches ADD COLUMN exchange TEXT;
`,
  },
];

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Applies the migrations this database has not run yet; refuses a database from a newer terminal. */
export function migrate(db: Db): { applied: string[] } {
  const version = userVersion(db);
  if (version > MIGRATIONS.length) {
    throw new MigrationError(
      `the terminal database ${db.path} was written by a newer version of Till POS (schema ${version}, this one knows ${MIGRATIONS.length})`,
    );
  }
  const applied: string[] = [];
  for (const [index, migration] of MIGRATIONS.entries()) {
    if (index < version) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${index + 1}`);
    });
    applied.push(migration.name);
  }
  return { applied };
}

function userVersion(db: Db): number {
  const rows = db.pragma('user_version') as { user_version: number }[];
  return rows[0]?.user_version ?? 0;
}
