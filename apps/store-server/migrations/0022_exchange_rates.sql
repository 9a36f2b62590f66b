-- Up Migration

-- Exchange rates, one snapshot per publication: units of each currency per one unit of
-- `base`, valid from `as_of`. Snapshots are never changed; a newer one supersedes them,
-- and every priced cart names the snapshot it used.
CREATE TABLE exchange_rate_snapshots (
  id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
  base         char(3) NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
  as_of        timestamptz NOT NULL,
  source       text NOT NULL CHECK (source IN ('manual', 'feed')),
  source_url   text,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exchange_rate_snapshots_latest_idx ON exchange_rate_snapshots (as_of DESC, received_at DESC);
-- One snapshot per feed publication, however many instances fetch it.
CREATE UNIQUE INDEX exchange_rate_snapshots_feed_idx ON exchange_rate_snapshots (source_url, base, as_of)
  WHERE source = 'feed';

CREATE TABLE exchange_rates (
  snapshot_id  text NOT NULL REFERENCES exchange_rate_snapshots (id) ON DELETE CASCADE,
  currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  rate         numeric(24, 12) NOT NULL CHECK (rate > 0),
  PRIMARY KEY (snapshot_id, currency)
);
CREATE INDEX exchange_rates_currency_idx ON exchange_rates (currency, snapshot_id);

-- Down Migration
DROP TABLE exchange_rates;
DROP TABLE exchange_rate_snapshots;
