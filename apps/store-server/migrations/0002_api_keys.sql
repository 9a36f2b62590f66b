-- Up Migration

-- API keys per client. Only a SHA-256 of the secret is stored: keys are 190-bit random
-- strings, so a fast hash is enough and lookups stay one index probe.
CREATE TABLE api_keys (
  id            text PRIMARY KEY,
  store_id      text REFERENCES stores (id),
  role          text NOT NULL CHECK (role IN ('storefront', 'terminal', 'manager', 'admin')),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  key_hash      bytea NOT NULL UNIQUE,
  key_prefix    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz,
  last_used_at  timestamptz,
  -- Only an admin key may span every store.
  CHECK (store_id IS NOT NULL OR role = 'admin')
);
CREATE INDEX api_keys_store_idx ON api_keys (store_id);

-- Down Migration
DROP TABLE api_keys;
