-- Up Migration
-- A cashier types a phone number however the customer says it: with or without the country
-- code. Lookups compare the last ten digits (as terminals do in their replica), so this index
-- keeps them fast.
CREATE INDEX customers_phone_suffix_idx ON customers (store_id, right(ltrim(phone, '+'), 10))
  WHERE phone IS NOT NULL;

-- Down Migration
DROP INDEX customers_phone_suffix_idx;
