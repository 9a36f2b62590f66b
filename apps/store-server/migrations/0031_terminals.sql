-- Up Migration

-- A terminal: one till, enrolled with a one-time code. Its token is an API key with role
-- `terminal` (stored hashed in api_keys); revoking the terminal revokes the key.
CREATE TABLE terminals (
  id             text PRIMARY KEY CHECK (id ~ '^term_[A-Za-z0-9_-]{1,80}$'),
  store_id       text NOT NULL REFERENCES stores (id),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  api_key_id     text NOT NULL UNIQUE REFERENCES api_keys (id),
  enrolled_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz,
  -- What the terminal said when it last connected: for "is it current?" on the dashboard.
  last_seen_at   timestamptz,
  last_seq       bigint,
  last_instance  text
);
CREATE INDEX terminals_store_idx ON terminals (store_id, enrolled_at);

-- One-time enrollment codes. Only a SHA-256 of the code is kept; a code is used once.
CREATE TABLE terminal_enrollment_codes (
  code_hash      bytea PRIMARY KEY,
  store_id       text NOT NULL REFERENCES stores (id),
  terminal_name  text NOT NULL CHECK (length(terminal_name) BETWEEN 1 AND 200),
  created_by     text REFERENCES api_keys (id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  used_at        timestamptz,
  -- The terminal the code enrolled (set in the transaction that uses the code).
  terminal_id    text REFERENCES terminals (id)
);

-- Down Migration
DROP TABLE terminal_enrollment_codes;
DROP TABLE terminals;
