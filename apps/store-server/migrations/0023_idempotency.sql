-- Up Migration

-- Responses to writes that carried an Idempotency-Key: a retry of the same request gets
-- the same answer without doing the work again; the key reused for another request is refused.
-- The row is written in the transaction of the write itself, so both happen or neither.
CREATE TABLE idempotency_keys (
  scope         text NOT NULL,
  key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  request_hash  bytea NOT NULL,
  status        integer NOT NULL CHECK (status BETWEEN 100 AND 599),
  response      jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Seeds that ran once on this database (so a later start never redoes what a manager undid).
CREATE TABLE seed_runs (
  name  text PRIMARY KEY,
  at    timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE seed_runs;
DROP TABLE idempotency_keys;
