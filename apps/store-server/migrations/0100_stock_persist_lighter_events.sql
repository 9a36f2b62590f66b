-- Up Migration

-- Redis mode, a busy sale: of what PostgreSQL spent per persisted hold, measured on batches of
-- 400 new grants (78-82 µs a hold), a third to a half went to two things that buy nothing:
--
-- - The foreign key from events to stores ran a lookup and a row lock of the store's row for
--   every event inserted: 8 µs of the 17 µs an event row cost. What it promised, that an
--   event's store exists, is kept as stock_levels' is (0090): a store row is never deleted
--   (stores_permanent). Every writer of an event names a store it has just read or written.
-- - The payload of each hold.granted event was built with jsonb_build_object from the new
--   holds row (9.8 µs a hold); parsing it as part of the batch costs 2.4. The persister now
--   sends each grant with its event payload (`event`: the hold as stock_hold_payload shows
--   it), and the fast path below writes it as it comes. A grant without one goes op by op.
--
-- A change of a hold decided in Redis ('set') now says what it changed from (`prev`), and
-- applies as that difference to what PostgreSQL has: a stock decrease made here first may have
-- cut the hold while Redis was changing it, and the feed then takes the same units from the
-- hold in Redis. As an absolute quantity the change would have undone the cut here only.
--
-- The server also analyzes holds during a sale (statistics.ts); with 300 × 10 sampled rows
-- instead of 300 × 100 an ANALYZE of 50,000 holds takes 7 ms instead of 60, and the planner's
-- choices it is there for (which index finds a holder's hold) need no finer statistics.
ALTER TABLE events DROP CONSTRAINT events_store_id_fkey;

CREATE FUNCTION stores_permanent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stores are never deleted (% refused): their events, stock and orders refer to them', TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER stores_permanent
  BEFORE DELETE ON stores
  FOR EACH ROW EXECUTE FUNCTION stores_permanent();
CREATE TRIGGER stores_no_truncate
  BEFORE TRUNCATE ON stores
  FOR EACH STATEMENT EXECUTE FUNCTION stores_permanent();

ALTER TABLE holds
  ALTER COLUMN id SET STATISTICS 10,
  ALTER COLUMN store_id SET STATISTICS 10,
  ALTER COLUMN sku SET STATISTICS 10,
  ALTER COLUMN holder_id SET STATISTICS 10,
  ALTER COLUMN cart_id SET STATISTICS 10,
  ALTER COLUMN qty SET STATISTICS 10,
  ALTER COLUMN state SET STATISTICS 10,
  ALTER COLUMN bucket SET STATISTICS 10,
  ALTER COLUMN expires_at SET STATISTICS 10,
  ALTER COLUMN created_at SET STATISTICS 10,
  ALTER COLUMN updated_at SET STATISTICS 10,
  ALTER COLUMN ended_at SET STATISTICS 10,
  ALTER COLUMN end_reason SET STATISTICS 10,
  ALTER COLUMN order_id SET STATISTICS 10;

CREATE OR REPLACE FUNCTION stock_persist_holds(p_ops jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  op jsonb;
  i integer := -1;
  deferred integer[] := '{}';
  deferred_ids uuid[] := '{}';
  h holds%ROWTYPE;
  hid uuid;
  n_qty integer;
  delta integer;
  at timestamptz;
  store text;
  item text;
  touched text[] := '{}';
  sku_stores text[];
  sku_names text[];
  sku_qtys integer[];
  n_skus integer;
  k integer;
  fits boolean := true;
  s stock_levels%ROWTYPE;
BEGIN
  -- Fast path (a busy sale): only new grants, each with its event, every SKU with room for all
  -- of them, no holder twice. Then one UPDATE per SKU, one INSERT of all holds and one of all
  -- their events.
  IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p_ops) o WHERE o->>'op' <> 'grant' OR NOT o ? 'event') THEN
    SELECT array_agg(st ORDER BY st, sk), array_agg(sk ORDER BY st, sk), array_agg(q ORDER BY st, sk)
      INTO sku_stores, sku_names, sku_qtys
      FROM (SELECT o->>'storeId' AS st, o->>'sku' AS sk, sum((o->>'qty')::integer)::integer AS q
            FROM jsonb_array_elements(p_ops) o GROUP BY 1, 2) per;
    n_skus := coalesce(array_length(sku_names, 1), 0);
    -- Locked in (store, sku) order, like every other writer of several stock rows.
    FOR k IN 1 .. n_skus LOOP
      SELECT * INTO s FROM stock_levels WHERE store_id = sku_stores[k] AND sku = sku_names[k] FOR UPDATE;
      IF NOT FOUND OR s.sold + s.held + sku_qtys[k] > s.received THEN fits := false; END IF;
    END LOOP;
    IF fits THEN
      -- A hold of the batch that PostgreSQL has already, a holder with an active hold of the SKU
      -- here already, or a holder twice in the batch: the unique indexes of holds refuse the
      -- INSERT (each row checked through its index), the block is rolled back, and the batch
      -- goes op by op below.
      BEGIN
        FOR k IN 1 .. n_skus LOOP
          UPDATE stock_levels SET held = held + sku_qtys[k], updated_at = now()
            WHERE store_id = sku_stores[k] AND sku = sku_names[k];
        END LOOP;
        WITH ops AS MATERIALIZED (
          SELECT o, n FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS x(o, n)
        ), added AS (
          INSERT INTO holds (id, store_id, sku, holder_id, cart_id, qty, bucket, expires_at, created_at, updated_at)
          SELECT (o->>'holdId')::uuid, o->>'storeId', o->>'sku', o->>'holderId', nullif(o->>'cartId', ''),
                 (o->>'qty')::integer, coalesce((o->>'bucket')::smallint, 0),
                 to_timestamp((o->>'expiresAt')::double precision / 1000),
                 to_timestamp((o->>'createdAt')::double precision / 1000),
                 to_timestamp((o->>'at')::double precision / 1000)
          FROM ops ORDER BY n
        )
        INSERT INTO events (store_id, type, payload)
          SELECT o->>'storeId', 'hold.granted', o->'event' FROM ops ORDER BY n;
        FOR k IN 1 .. n_skus LOOP
          PERFORM stock_touch(sku_stores[k], sku_names[k]);
        END LOOP;
        RETURN jsonb_build_object('deferred', '[]'::jsonb);
      EXCEPTION WHEN unique_violation THEN
        NULL;
      END;
    END IF;
  END IF;

  FOR op IN SELECT value FROM jsonb_array_elements(p_ops) LOOP
    i := i + 1;
    hid := (op->>'holdId')::uuid;
    store := op->>'storeId';
    at := to_timestamp((op->>'at')::double precision / 1000);
    IF hid = ANY (deferred_ids) THEN
      deferred := deferred || i;
      CONTINUE;
    END IF;
    IF NOT touched @> ARRAY[store || '/' || (op->>'sku')] THEN
      touched := touched || (store || '/' || (op->>'sku'));
    END IF;
    PERFORM 1 FROM stock_levels WHERE store_id = store AND sku = op->>'sku' FOR UPDATE;

    IF op->>'op' IN ('grant', 'record') THEN
      IF EXISTS (SELECT 1 FROM holds WHERE id = hid) THEN CONTINUE; END IF;
      n_qty := (op->>'qty')::integer;
      IF op->>'op' = 'grant' THEN
        UPDATE stock_levels SET held = held + n_qty, updated_at = at
          WHERE store_id = store AND sku = op->>'sku' AND sold + held + n_qty <= received;
        IF NOT FOUND THEN
          deferred := deferred || i;
          deferred_ids := deferred_ids || hid;
          CONTINUE;
        END IF;
      END IF;
      h := NULL;
      INSERT INTO holds (id, store_id, sku, holder_id, cart_id, qty, bucket, expires_at, created_at, updated_at,
                         state, ended_at, end_reason)
        VALUES (hid, store, op->>'sku', op->>'holderId', nullif(op->>'cartId', ''), n_qty,
                coalesce((op->>'bucket')::smallint, 0),
                to_timestamp((op->>'expiresAt')::double precision / 1000),
                to_timestamp((op->>'createdAt')::double precision / 1000), at,
                coalesce(op->>'state', 'active'),
                CASE WHEN op->>'op' = 'record' THEN at END, op->>'reason')
        ON CONFLICT DO NOTHING
        RETURNING * INTO h;
      IF h.id IS NULL THEN
        -- Another active hold of this holder on the SKU is still in PostgreSQL: wait for its end.
        IF op->>'op' = 'grant' THEN
          UPDATE stock_levels SET held = held - n_qty WHERE store_id = store AND sku = op->>'sku';
        END IF;
        deferred := deferred || i;
        deferred_ids := deferred_ids || hid;
        CONTINUE;
      END IF;
      INSERT INTO events (store_id, type, payload) VALUES (store, 'hold.granted',
        stock_hold_payload(h, jsonb_build_object('state', 'active', 'reason', NULL)));
      IF op->>'op' = 'record' THEN
        INSERT INTO events (store_id, type, payload) VALUES (store, 'hold.' || h.state, stock_hold_payload(h));
      END IF;

    ELSIF op->>'op' = 'set' THEN
      SELECT * INTO h FROM holds WHERE id = hid AND state = 'active' FOR UPDATE;
      IF NOT FOUND THEN CONTINUE; END IF;  -- ended here meanwhile (checkout, cut): nothing to follow
      n_qty := (op->>'qty')::integer;
      -- Redis changed the hold from prev to qty. If a stock decrease cut it here first, Redis
      -- took the same units from the hold it had (the feed): the change applies to what is left.
      IF op ? 'prev' THEN n_qty := h.qty + n_qty - (op->>'prev')::integer; END IF;
      IF n_qty <= 0 THEN
        -- Lowered in Redis below what the cut left: nothing is left, there as here.
        UPDATE holds SET state = 'cut', ended_at = at, updated_at = at,
            end_reason = coalesce(h.end_reason, 'Fewer units are on hand than were held')
          WHERE id = hid RETURNING * INTO h;
        UPDATE stock_levels SET held = held - h.qty, updated_at = at WHERE store_id = store AND sku = h.sku;
        INSERT INTO events (store_id, type, payload)
          VALUES (store, 'hold.cut', stock_hold_payload(h, jsonb_build_object('taken', h.qty)));
        CONTINUE;
      END IF;
      delta := n_qty - h.qty;
      IF delta > 0 THEN
        UPDATE stock_levels SET held = held + delta, updated_at = at
          WHERE store_id = store AND sku = h.sku AND sold + held + delta <= received;
        IF NOT FOUND THEN
          deferred := deferred || i;
          deferred_ids := deferred_ids || hid;
          CONTINUE;
        END IF;
      ELSIF delta < 0 THEN
        UPDATE stock_levels SET held = held + delta, updated_at = at WHERE store_id = store AND sku = h.sku;
      END IF;
      UPDATE holds SET qty = n_qty, expires_at = to_timestamp((op->>'expiresAt')::double precision / 1000),
          cart_id = coalesce(nullif(op->>'cartId', ''), cart_id), updated_at = at, end_reason = NULL
        WHERE id = hid RETURNING * INTO h;
      IF delta <> 0 THEN
        INSERT INTO events (store_id, type, payload)
          VALUES (store, 'hold.changed', stock_hold_payload(h, jsonb_build_object('previousQty', n_qty - delta)));
      END IF;

    ELSIF op->>'op' = 'extend' THEN
      UPDATE holds SET expires_at = to_timestamp((op->>'expiresAt')::double precision / 1000), updated_at = at
        WHERE id = hid AND state = 'active' RETURNING * INTO h;
      IF FOUND THEN
        INSERT INTO events (store_id, type, payload) VALUES (store, 'hold.extended', stock_hold_payload(h));
      END IF;

    ELSIF op->>'op' = 'end' THEN
      UPDATE holds SET state = op->>'state', ended_at = at, updated_at = at, end_reason = op->>'reason'
        WHERE id = hid AND state = 'active' RETURNING * INTO h;
      IF FOUND THEN
        UPDATE stock_levels SET held = held - h.qty, updated_at = at WHERE store_id = store AND sku = h.sku;
        INSERT INTO events (store_id, type, payload) VALUES (store, 'hold.' || h.state, stock_hold_payload(h));
      END IF;

    ELSIF op->>'op' = 'transfer' THEN
      UPDATE holds SET holder_id = op->>'holderId', updated_at = at WHERE id = hid AND state = 'active'
        RETURNING * INTO h;
      IF FOUND THEN
        INSERT INTO events (store_id, type, payload) VALUES (store, 'hold.transferred',
          stock_hold_payload(h, jsonb_build_object('fromHolderId', op->>'fromHolderId')));
      END IF;
    ELSE
      RAISE EXCEPTION 'unknown hold op %', op->>'op';
    END IF;
  END LOOP;
  FOREACH item IN ARRAY touched LOOP
    PERFORM stock_touch(split_part(item, '/', 1), split_part(item, '/', 2));
  END LOOP;
  RETURN jsonb_build_object('deferred', to_jsonb(deferred));
END;
$$;

-- Down Migration
-- 0050's function comes back by re-running its Up.
ALTER TABLE holds
  ALTER COLUMN id SET STATISTICS -1,
  ALTER COLUMN store_id SET STATISTICS -1,
  ALTER COLUMN sku SET STATISTICS -1,
  ALTER COLUMN holder_id SET STATISTICS -1,
  ALTER COLUMN cart_id SET STATISTICS -1,
  ALTER COLUMN qty SET STATISTICS -1,
  ALTER COLUMN state SET STATISTICS -1,
  ALTER COLUMN bucket SET STATISTICS -1,
  ALTER COLUMN expires_at SET STATISTICS -1,
  ALTER COLUMN created_at SET STATISTICS -1,
  ALTER COLUMN updated_at SET STATISTICS -1,
  ALTER COLUMN ended_at SET STATISTICS -1,
  ALTER COLUMN end_reason SET STATISTICS -1,
  ALTER COLUMN order_id SET STATISTICS -1;
DROP TRIGGER stores_no_truncate ON stores;
DROP TRIGGER stores_permanent ON stores;
DROP FUNCTION stores_permanent();
ALTER TABLE events ADD FOREIGN KEY (store_id) REFERENCES stores (id);
