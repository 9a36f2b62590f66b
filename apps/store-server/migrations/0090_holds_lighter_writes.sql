-- Up Migration

-- A flash sale writes a holds row for every hold (Redis mode: the persister's batches; Postgres
-- mode: the decisions themselves). Two costs of each row that buy nothing:
--
-- - holds_active_by_holder (store, holder) repeated the first columns of the one-hold-per-holder
--   index. That index now leads with the holder, (store, holder, sku): it still makes a second
--   active hold of a holder on a SKU impossible, finds a holder's hold on a SKU, and finds all
--   of a holder's holds (login transfer, a holder's cart), so one index fewer is written.
-- - The foreign key to stock_levels ran a lookup and a row lock of the SKU's stock row for every
--   hold inserted, about a quarter of PostgreSQL's work per persisted hold. Every function that
--   writes a hold has locked that very row first (and refuses or defers a hold of a SKU without
--   one), so the key checked what was already known. What it also promised, that a SKU's stock
--   row cannot vanish under its holds, is kept by stock_levels_permanent: stock rows are never
--   deleted (no code does; a SKU leaves the range by its product, and its ledger stays).
DROP INDEX holds_active_by_holder;
DROP INDEX holds_one_active_per_holder;
CREATE UNIQUE INDEX holds_one_active_per_holder ON holds (store_id, holder_id, sku) WHERE state = 'active';

ALTER TABLE holds DROP CONSTRAINT holds_store_id_sku_fkey;

CREATE FUNCTION stock_levels_permanent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stock rows are never deleted (% refused): their holds, movements and orders refer to them', TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER stock_levels_permanent
  BEFORE DELETE ON stock_levels
  FOR EACH ROW EXECUTE FUNCTION stock_levels_permanent();
CREATE TRIGGER stock_levels_no_truncate
  BEFORE TRUNCATE ON stock_levels
  FOR EACH STATEMENT EXECUTE FUNCTION stock_levels_permanent();

-- Down Migration
DROP TRIGGER stock_levels_no_truncate ON stock_levels;
DROP TRIGGER stock_levels_permanent ON stock_levels;
DROP FUNCTION stock_levels_permanent();
ALTER TABLE holds ADD FOREIGN KEY (store_id, sku) REFERENCES stock_levels (store_id, sku);
DROP INDEX holds_one_active_per_holder;
CREATE UNIQUE INDEX holds_one_active_per_holder ON holds (store_id, sku, holder_id) WHERE state = 'active';
CREATE INDEX holds_active_by_holder ON holds (store_id, holder_id) WHERE state = 'active';
