-- Up Migration

-- Redis mode, a busy sale: the fast path of stock_persist_holds (0015) looked for a holder's
-- other active hold with a join the planner ran as a scan of every active hold (jsonb_array_elements
-- is estimated at 100 rows), and locked and updated the batch's SKUs through a scan of every
-- stock row: each batch cost time in proportion to the active holds and the SKUs of the store
-- (12 ms of a 150-hold batch with 72,000 active holds, more than the rest of the batch). Now
-- each SKU is locked, checked and updated through its key, and the holds' unique indexes
-- check the holds as they are inserted: the cost of a batch no longer grows with the tables.
-- Same contract, same results; the op-by-op path is 0015's unchanged.
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
  -- Fast path (a busy sale): only new grants, every SKU with room for all of them, no holder
  -- twice. Then one UPDATE per SKU, one INSERT of all holds and one of all their events.
  IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p_ops) o WHERE o->>'op' <> 'grant') THEN
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
        WITH added AS (
          INSERT INTO holds (id, store_id, sku, holder_id, cart_id, qty, bucket, expires_at, created_at, updated_at)
          SELECT (o->>'holdId')::uuid, o->>'storeId', o->>'sku', o->>'holderId', nullif(o->>'cartId', ''),
                 (o->>'qty')::integer, coalesce((o->>'bucket')::smallint, 0),
                 to_timestamp((o->>'expiresAt')::double precision / 1000),
                 to_timestamp((o->>'createdAt')::double precision / 1000),
                 to_timestamp((o->>'at')::double precision / 1000)
          FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS x(o, n) ORDER BY n
          RETURNING *
        )
        INSERT INTO events (store_id, type, payload)
          SELECT a.store_id, 'hold.granted', stock_hold_payload(ROW(a.*)::holds) FROM added a ORDER BY a.created_at, a.id;
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
-- 0015's function comes back with its Down: re-run 0015's Up to restore its fast path.
