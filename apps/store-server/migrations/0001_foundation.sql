-- Up Migration

-- A store: one physical shop (or channel) with its own stock, terminals and settings.
CREATE TABLE stores (
  id            text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  currency      char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  time_zone     text NOT NULL DEFAULT 'UTC',
  tax_included  boolean NOT NULL DEFAULT false,
  settings      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE product_categories (
  id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name       text NOT NULL,
  parent_id  text REFERENCES product_categories (id)
);

-- The catalog. A variant (size, colour) is its own product with parent_sku naming its family.
CREATE TABLE products (
  sku          text PRIMARY KEY CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  barcode      char(13) NOT NULL UNIQUE CHECK (barcode ~ '^[0-9]{13}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  category_id  text NOT NULL REFERENCES product_categories (id),
  parent_sku   text,
  attributes   jsonb NOT NULL DEFAULT '{}'::jsonb,
  base_price   numeric(14, 4) NOT NULL CHECK (base_price >= 0),
  currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  tax_rate     numeric(7, 6) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate < 1),
  active       boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_category_idx ON products (category_id, sku);
CREATE INDEX products_parent_idx ON products (parent_sku) WHERE parent_sku IS NOT NULL;
CREATE INDEX products_name_search_idx ON products USING gin (to_tsvector('simple', name));

-- Stock per store and SKU. on hand = received - sold; available = on hand - held.
-- The stock issue builds holds and movements on top of these counters.
CREATE TABLE stock_levels (
  store_id             text NOT NULL REFERENCES stores (id),
  sku                  text NOT NULL REFERENCES products (sku),
  received             bigint NOT NULL DEFAULT 0 CHECK (received >= 0),
  sold                 bigint NOT NULL DEFAULT 0 CHECK (sold >= 0),
  held                 bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
  low_stock_threshold  integer NOT NULL DEFAULT 10 CHECK (low_stock_threshold >= 0),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, sku)
);

-- The append-only log of every change: the audit trail, the change feed and the outbox.
CREATE TABLE events (
  seq       bigserial PRIMARY KEY,
  store_id  text REFERENCES stores (id),
  type      text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  payload   jsonb NOT NULL DEFAULT '{}'::jsonb,
  at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX events_store_seq_idx ON events (store_id, seq);

-- Events are never updated. They are deleted only by a retention job that says so
-- (SET LOCAL till.allow_event_pruning = 'on'), so that no stray statement loses history.
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('till.allow_event_pruning', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'events are append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER events_append_only
  BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate
  BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- Down Migration
DROP TABLE events;
DROP FUNCTION events_append_only();
DROP TABLE stock_levels;
DROP TABLE products;
DROP TABLE product_categories;
DROP TABLE stores;
