-- Up Migration

-- Redis mode, a busy sale: stock_persist_holds (0014) gains a fast path. A batch of only new
-- grants, every SKU with room for all of them and no holder twice, is written with one UPDATE
-- per SKU, one INSERT of all the holds and one of all their events, instead of op by op. Any
-- other batch takes the op-by-op path of 0014 unchanged (same contract, same result).
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
BEGIN
  -- Fast path (a busy sale): only new grants, every SKU with room for all of them, no holder
  -- twice. Then one UPDATE per SKU, one INSERT of all holds and one of all their events.
  IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p_ops) o WHERE o->>'op' <> 'grant') THEN
    PERFORM 1 FROM stock_levels s
      JOIN (SELECT DISTINCT o->>'storeId' AS st, o->>'sku' AS sk FROM jsonb_array_elements(p_ops) o) x
        ON s.store_id = x.st AND s.sku = x.sk
      ORDER BY s.store_id, s.sku FOR UPDATE OF s;
    IF NOT EXISTS (
        SELECT 1 FROM (SELECT o->>'storeId' AS st, o->>'sku' AS sk, sum((o->>'qty')::integer) AS q
                       FROM jsonb_array_elements(p_ops) o GROUP BY 1, 2) per
        LEFT JOIN stock_levels s ON s.store_id = per.st AND s.sku = per.sk
        WHERE s.sku IS NULL OR s.sold + s.held + per.q > s.received)
      AND NOT EXISTS (SELECT 1 FROM holds ex JOIN jsonb_array_elements(p_ops) o ON ex.id = (o->>'holdId')::uuid)
      AND NOT EXISTS (
        SELECT 1 FROM holds ex JOIN jsonb_array_elements(p_ops) o
          ON ex.store_id = o->>'storeId' AND ex.sku = o->>'sku' AND ex.holder_id = o->>'holderId' AND ex.state = 'active')
      AND (SELECT count(DISTINCT (o->>'storeId', o->>'sku', o->>'holderId')) = count(*) FROM jsonb_array_elements(p_ops) o)
    THEN
      UPDATE stock_levels s SET held = s.held + per.q, updated_at = now()
        FROM (SELECT o->>'storeId' AS st, o->>'sku' AS sk, sum((o->>'qty')::integer) AS q
              FROM jsonb_array_elements(p_ops) o GROUP BY 1, 2) per
        WHERE s.store_id = per.st AND s.sku = per.sk;
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
      FOR store, item IN SELECT DISTINCT o->>'storeId', o->>'sku' FROM jsonb_array_elements(p_ops) o LOOP
        PERFORM stock_touch(store, item);
      END LOOP;
      RETURN jsonb_build_object('deferred', '[]'::jsonb);
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
-- The function keeps 0014's contract with or without the fast path; 0014's Down drops it.
