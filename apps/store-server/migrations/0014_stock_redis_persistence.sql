-- Up Migration

-- Redis mode: hold decisions made in Redis are written to PostgreSQL behind the hot path, in
-- batches, in the order they were made. PostgreSQL keeps its own CHECK constraints: a granted
-- or raised hold that does not fit what PostgreSQL has on hand is not applied but returned as
-- deferred (another server's release may not have arrived yet); the caller retries it, and
-- after a while voids it. Ops:
--   grant    { holdId, storeId, sku, holderId, cartId, qty, bucket, expiresAt, createdAt, at }
--   set      { holdId, storeId, sku, qty, expiresAt, cartId, at }          (qty changed or activity)
--   extend   { holdId, storeId, sku, expiresAt, at }
--   end      { holdId, storeId, sku, state, reason, at }                   (released, expired, cut)
--   transfer { holdId, storeId, sku, holderId, fromHolderId, at }
--   record   { the grant fields + state, reason }: a hold that began and ended within one batch
-- Times are epoch ms. Returns { deferred: [indexes of ops not applied] }.
CREATE FUNCTION stock_persist_holds(p_ops jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
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
DROP FUNCTION stock_persist_holds(jsonb);
