-- Up Migration

-- The version of a store's pricing data: its rules, campaigns, price lists and the base
-- prices of its products. Every change bumps it in the transaction that makes the change,
-- so (store, version) names exactly one set of rules: the snapshot a cart was priced with.
-- Bumping it also takes the row lock, so pricing writes of one store are serialised.
CREATE TABLE pricing_versions (
  store_id    text PRIMARY KEY REFERENCES stores (id),
  version     bigint NOT NULL DEFAULT 0 CHECK (version >= 0),
  changed_at  timestamptz NOT NULL DEFAULT now()
);

-- A campaign (a flash sale, a seasonal sale): a named group of rules with one window.
-- Starting and stopping a campaign is only its window, so terminals switch on their own.
CREATE TABLE campaigns (
  store_id     text NOT NULL REFERENCES stores (id),
  id           text NOT NULL CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description  text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  starts_at    timestamptz NOT NULL,
  ends_at      timestamptz NOT NULL,
  revision     integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, id),
  CHECK (ends_at > starts_at)
);

-- Pricing rules, stored as the engine's JSON exactly as its validator accepted them.
-- A rule of a campaign is active only inside the campaign's window as well as its own.
CREATE TABLE pricing_rules (
  store_id     text NOT NULL REFERENCES stores (id),
  id           text NOT NULL CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
  rule         jsonb NOT NULL CHECK (jsonb_typeof(rule) = 'object' AND rule ->> 'id' = id),
  campaign_id  text,
  enabled      boolean NOT NULL DEFAULT true,
  revision     integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, id),
  FOREIGN KEY (store_id, campaign_id) REFERENCES campaigns (store_id, id)
);
CREATE INDEX pricing_rules_campaign_idx ON pricing_rules (store_id, campaign_id) WHERE campaign_id IS NOT NULL;

-- Price lists per store and channel: the list price of a SKU replaces its base price for
-- that channel ('pos' terminals, 'online' storefronts, or 'all'); the highest priority wins.
CREATE TABLE price_lists (
  store_id    text NOT NULL REFERENCES stores (id),
  id          text NOT NULL CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  channel     text NOT NULL CHECK (channel IN ('all', 'pos', 'online')),
  priority    integer NOT NULL DEFAULT 0,
  revision    integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, id)
);

CREATE TABLE price_list_prices (
  store_id       text NOT NULL,
  price_list_id  text NOT NULL,
  sku            text NOT NULL REFERENCES products (sku),
  price          numeric(14, 4) NOT NULL CHECK (price >= 0),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, price_list_id, sku),
  FOREIGN KEY (store_id, price_list_id) REFERENCES price_lists (store_id, id) ON DELETE CASCADE
);
CREATE INDEX price_list_prices_sku_idx ON price_list_prices (store_id, sku);

-- Down Migration
DROP TABLE price_list_prices;
DROP TABLE price_lists;
DROP TABLE pricing_rules;
DROP TABLE campaigns;
DROP TABLE pricing_versions;
