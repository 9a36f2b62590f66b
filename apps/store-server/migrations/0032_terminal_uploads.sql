-- Up Migration

-- Every command a terminal uploaded (sales, returns, cash counts), keyed by the UUIDv7 the
-- terminal made: the primary key is what makes each command take effect at most once.
-- The row is also the command's reconciliation result.
CREATE TABLE terminal_uploads (
  id           uuid PRIMARY KEY,
  store_id     text NOT NULL REFERENCES stores (id),
  terminal_id  text NOT NULL REFERENCES terminals (id),
  kind         text NOT NULL CHECK (kind IN ('sale', 'return', 'cash_count', 'unreadable')),
  status       text NOT NULL CHECK (status IN ('accepted', 'stock_discrepancy', 'price_discrepancy', 'rejected')),
  reason       text,
  details      jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- As received; for a rejected command, whatever could be read of it.
  payload      jsonb,
  -- The terminal's (server-corrected) clock when it recorded the command.
  created_at   timestamptz,
  received_at  timestamptz NOT NULL DEFAULT now(),
  -- Times the same command was sent again after it was applied (retries after lost replies).
  duplicates   integer NOT NULL DEFAULT 0,
  CHECK ((status = 'rejected') = (reason IS NOT NULL))
);
CREATE INDEX terminal_uploads_terminal_idx ON terminal_uploads (terminal_id, received_at DESC, id);
CREATE INDEX terminal_uploads_store_idx ON terminal_uploads (store_id, received_at DESC);

-- Commands that failed for a reason that was not their content (a bug, a lost connection):
-- retried a few times, then rejected so that they stop coming back.
CREATE TABLE terminal_upload_failures (
  id          uuid PRIMARY KEY,
  attempts    integer NOT NULL,
  last_error  text NOT NULL,
  last_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pos_sales (
  id                  uuid PRIMARY KEY REFERENCES terminal_uploads (id),
  store_id            text NOT NULL REFERENCES stores (id),
  terminal_id         text NOT NULL REFERENCES terminals (id),
  sold_at             timestamptz NOT NULL,
  currency            char(3) NOT NULL,
  subtotal            numeric(14, 4) NOT NULL CHECK (subtotal >= 0),
  tax                 numeric(14, 4) NOT NULL CHECK (tax >= 0),
  total               numeric(14, 4) NOT NULL CHECK (total >= 0),
  tax_included        boolean NOT NULL,
  rules_snapshot_id   text,
  customer_id         text,
  lines               jsonb NOT NULL,
  payments            jsonb NOT NULL,
  -- Set when the server priced the cart differently (price_discrepancy): the terminal's price stands.
  server_snapshot_id  text,
  server_total        numeric(14, 4),
  price_difference    numeric(14, 4)
);
CREATE INDEX pos_sales_store_time_idx ON pos_sales (store_id, sold_at);

CREATE TABLE pos_returns (
  id            uuid PRIMARY KEY REFERENCES terminal_uploads (id),
  store_id      text NOT NULL REFERENCES stores (id),
  terminal_id   text NOT NULL REFERENCES terminals (id),
  returned_at   timestamptz NOT NULL,
  currency      char(3) NOT NULL,
  -- The original sale, when the receipt was known; not a foreign key: it may be older than Till.
  sale_id       uuid,
  sale_known    boolean NOT NULL,
  refund_total  numeric(14, 4) NOT NULL CHECK (refund_total >= 0),
  restock       boolean NOT NULL,
  reason        text,
  lines         jsonb NOT NULL
);
CREATE INDEX pos_returns_store_time_idx ON pos_returns (store_id, returned_at);

CREATE TABLE cash_counts (
  id             uuid PRIMARY KEY REFERENCES terminal_uploads (id),
  store_id       text NOT NULL REFERENCES stores (id),
  terminal_id    text NOT NULL REFERENCES terminals (id),
  drawer_id      text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('open', 'close', 'interim')),
  counted_at     timestamptz NOT NULL,
  currency       char(3) NOT NULL,
  counted        numeric(14, 4) NOT NULL CHECK (counted >= 0),
  expected       numeric(14, 4),
  difference     numeric(14, 4),
  denominations  jsonb,
  note           text
);
CREATE INDEX cash_counts_store_time_idx ON cash_counts (store_id, counted_at);

-- Down Migration
DROP TABLE cash_counts;
DROP TABLE pos_returns;
DROP TABLE pos_sales;
DROP TABLE terminal_upload_failures;
DROP TABLE terminal_uploads;
