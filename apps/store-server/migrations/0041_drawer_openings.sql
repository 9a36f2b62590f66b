-- Up Migration

-- A cash drawer opened without a sale (protocol 2's `drawer_open` outbox item): who, when
-- and why, keyed by the terminal-made id claimed in terminal_uploads like every command.
ALTER TABLE terminal_uploads DROP CONSTRAINT terminal_uploads_kind_check;
ALTER TABLE terminal_uploads ADD CONSTRAINT terminal_uploads_kind_check
  CHECK (kind IN ('sale', 'return', 'cash_count', 'drawer_open', 'unreadable'));

CREATE TABLE drawer_openings (
  id           uuid PRIMARY KEY REFERENCES terminal_uploads (id),
  store_id     text NOT NULL REFERENCES stores (id),
  terminal_id  text NOT NULL REFERENCES terminals (id),
  opened_at    timestamptz NOT NULL,
  cashier      text NOT NULL CHECK (length(cashier) BETWEEN 1 AND 100),
  reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500)
);
CREATE INDEX drawer_openings_store_time_idx ON drawer_openings (store_id, opened_at);
CREATE INDEX drawer_openings_terminal_time_idx ON drawer_openings (terminal_id, opened_at);

-- Down Migration
DROP TABLE drawer_openings;
ALTER TABLE terminal_uploads DROP CONSTRAINT terminal_uploads_kind_check;
ALTER TABLE terminal_uploads ADD CONSTRAINT terminal_uploads_kind_check
  CHECK (kind IN ('sale', 'return', 'cash_count', 'unreadable'));
