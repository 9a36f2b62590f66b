-- Up Migration

-- Customers of a store. Terminals attach one at the till by loyalty card or phone; their
-- segments (vip, gold, new, any store-defined one) are what segment rules look at.
-- Phones are stored normalised ('+' and digits), so a lookup finds "(212) 555-0101" too.
CREATE TABLE customers (
  store_id      text NOT NULL REFERENCES stores (id),
  id            text NOT NULL CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email         text CHECK (email IS NULL OR length(email) BETWEEN 3 AND 320),
  phone         text CHECK (phone IS NULL OR phone ~ '^\+?[0-9]{4,20}$'),
  loyalty_card  text CHECK (loyalty_card IS NULL OR loyalty_card ~ '^[A-Za-z0-9-]{4,40}$'),
  segments      text[] NOT NULL DEFAULT '{}',
  revision      integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, id),
  UNIQUE (store_id, loyalty_card),
  UNIQUE (store_id, phone)
);
CREATE INDEX customers_name_idx ON customers (store_id, lower(name));

-- Down Migration
DROP TABLE customers;
