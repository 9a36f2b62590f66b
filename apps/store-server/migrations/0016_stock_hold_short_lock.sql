-- Up Migration

-- A hot SKU's row lock is held from the conditional UPDATE to the commit, so a grant does less
-- in between: the stock.changed event is built from the UPDATE's own row (stock_touch_row)
-- instead of reading it again, and a new hold that clearly cannot be served is refused from
-- what was read, without queueing for the lock. Same contract as 0011's. (Writing the hold row
-- before the UPDATE was measured too: slower, as the waiting transactions then hold an XID.)

-- stock_touch's work on a row the caller already has (the stock.changed event, the low-stock
-- alert once per crossing).
CREATE FUNCTION stock_touch_row(s stock_levels) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  avail bigint := s.received - s.sold - s.held;
  alert_id bigint;
BEGIN
  INSERT INTO events (store_id, type, payload) VALUES (s.store_id, 'stock.changed', jsonb_build_object(
    'storeId', s.store_id, 'sku', s.sku, 'received', s.received, 'sold', s.sold,
    'onHand', s.received - s.sold, 'held', s.held, 'available', avail, 'version', s.version));
  IF avail < s.low_stock_threshold AND s.low_stock_since IS NULL THEN
    UPDATE stock_levels SET low_stock_since = now() WHERE store_id = s.store_id AND sku = s.sku;
    INSERT INTO low_stock_alerts (store_id, sku, available, threshold)
      VALUES (s.store_id, s.sku, avail, s.low_stock_threshold) RETURNING id INTO alert_id;
    INSERT INTO events (store_id, type, payload) VALUES (s.store_id, 'alert.low_stock', jsonb_build_object(
      'alertId', alert_id, 'storeId', s.store_id, 'sku', s.sku, 'available', avail,
      'threshold', s.low_stock_threshold, 'onHand', s.received - s.sold, 'held', s.held));
  ELSIF avail >= s.low_stock_threshold AND s.low_stock_since IS NOT NULL THEN
    UPDATE stock_levels SET low_stock_since = NULL WHERE store_id = s.store_id AND sku = s.sku;
    INSERT INTO events (store_id, type, payload) VALUES (s.store_id, 'alert.low_stock_cleared', jsonb_build_object(
      'storeId', s.store_id, 'sku', s.sku, 'available', avail, 'threshold', s.low_stock_threshold));
  END IF;
END;
$$;

-- stock_touch (0010) on the row it reads.
CREATE OR REPLACE FUNCTION stock_touch(p_store text, p_sku text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s stock_levels%ROWTYPE;
BEGIN
  SELECT * INTO s FROM stock_levels WHERE store_id = p_store AND sku = p_sku;
  IF FOUND THEN PERFORM stock_touch_row(s); END IF;
END;
$$;

-- Grants a hold, or sets the holder's hold on the SKU to p_qty (p_hold_id: only that hold).
-- Returns { ok: true, created, hold } or a refusal { ok: false, code, ...numbers }.
CREATE OR REPLACE FUNCTION stock_hold_set(
  p_store text, p_sku text, p_holder text, p_qty integer, p_cart text, p_new_id uuid, p_hold_id uuid,
  p_now timestamptz, p_ttl_ms bigint, p_store_limit integer
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  lim integer;
  h holds%ROWTYPE;
  s stock_levels%ROWTYPE;
  delta integer;
  expires timestamptz := p_now + p_ttl_ms * interval '1 millisecond';
  attempt integer := 0;
BEGIN
  SELECT max_per_holder INTO lim FROM stock_levels WHERE store_id = p_store AND sku = p_sku;
  IF NOT FOUND THEN
    IF NOT EXISTS (SELECT 1 FROM products WHERE sku = p_sku) OR NOT EXISTS (SELECT 1 FROM stores WHERE id = p_store) THEN
      RETURN jsonb_build_object('ok', false, 'code', 'UNKNOWN_SKU', 'sku', p_sku);
    END IF;
    INSERT INTO stock_levels (store_id, sku) VALUES (p_store, p_sku) ON CONFLICT DO NOTHING;
  END IF;
  lim := coalesce(lim, p_store_limit);
  LOOP
    attempt := attempt + 1;
    IF attempt > 8 THEN
      RAISE EXCEPTION 'the hold of % on % kept changing; try again', p_holder, p_sku USING ERRCODE = 'serialization_failure';
    END IF;
    h := NULL;
    SELECT * INTO h FROM holds WHERE store_id = p_store AND sku = p_sku AND holder_id = p_holder AND state = 'active';
    IF h.id IS NOT NULL AND h.expires_at <= p_now THEN
      PERFORM stock_expire_sku(p_store, p_sku, p_now);
      IF p_hold_id IS NOT NULL THEN
        RETURN jsonb_build_object('ok', false, 'code', 'HOLD_EXPIRED', 'holdId', h.id, 'sku', p_sku,
          'expiredAt', stock_iso(h.expires_at));
      END IF;
      CONTINUE;
    END IF;
    IF p_hold_id IS NOT NULL AND h.id IS DISTINCT FROM p_hold_id THEN
      RETURN jsonb_build_object('ok', false, 'code', 'NO_HOLD', 'holdId', p_hold_id, 'sku', p_sku);
    END IF;
    IF lim IS NOT NULL AND p_qty > lim THEN
      RETURN jsonb_build_object('ok', false, 'code', 'LIMIT_PER_CUSTOMER', 'sku', p_sku, 'limit', lim,
        'requested', p_qty, 'youHold', coalesce(h.qty, 0));
    END IF;

    IF h.id IS NULL THEN
      -- Clearly not enough: refused from what was read (true at that moment), without waiting
      -- for the row lock that the grants in progress hold.
      IF (SELECT received - sold - held FROM stock_levels WHERE store_id = p_store AND sku = p_sku) < p_qty
         AND NOT stock_has_due_holds(p_store, p_sku, p_now) THEN
        RETURN stock_explain_refusal(p_store, p_sku, p_holder, p_qty, 0);
      END IF;
      -- The one conditional UPDATE that grants the units.
      UPDATE stock_levels SET held = held + p_qty, updated_at = p_now
        WHERE store_id = p_store AND sku = p_sku AND received - sold - held >= p_qty
        RETURNING * INTO s;
      IF NOT FOUND THEN
        IF attempt = 1 AND stock_has_due_holds(p_store, p_sku, p_now) AND stock_expire_sku(p_store, p_sku, p_now) > 0 THEN
          CONTINUE;
        END IF;
        RETURN stock_explain_refusal(p_store, p_sku, p_holder, p_qty, 0);
      END IF;
      INSERT INTO holds (id, store_id, sku, holder_id, cart_id, qty, expires_at, created_at, updated_at)
        VALUES (p_new_id, p_store, p_sku, p_holder, p_cart, p_qty, expires, p_now, p_now)
        ON CONFLICT (store_id, sku, holder_id) WHERE state = 'active' DO NOTHING
        RETURNING * INTO h;
      IF h.id IS NULL THEN
        -- The holder got a hold on this SKU meanwhile: give the units back and change that one.
        UPDATE stock_levels SET held = held - p_qty WHERE store_id = p_store AND sku = p_sku;
        CONTINUE;
      END IF;
      INSERT INTO events (store_id, type, payload) VALUES (p_store, 'hold.granted', stock_hold_payload(h));
      PERFORM stock_touch_row(s);
      RETURN jsonb_build_object('ok', true, 'created', true, 'hold', stock_hold_payload(h));
    END IF;

    delta := p_qty - h.qty;
    IF delta > 0 THEN
      UPDATE stock_levels SET held = held + delta, updated_at = p_now
        WHERE store_id = p_store AND sku = p_sku AND received - sold - held >= delta;
      IF NOT FOUND THEN
        IF attempt = 1 AND stock_has_due_holds(p_store, p_sku, p_now) AND stock_expire_sku(p_store, p_sku, p_now) > 0 THEN
          CONTINUE;
        END IF;
        RETURN stock_explain_refusal(p_store, p_sku, p_holder, p_qty, h.qty)
          || jsonb_build_object('holdId', h.id);
      END IF;
    ELSIF delta < 0 THEN
      UPDATE stock_levels SET held = held + delta, updated_at = p_now WHERE store_id = p_store AND sku = p_sku;
    END IF;
    UPDATE holds
      SET qty = p_qty, expires_at = GREATEST(expires_at, expires), cart_id = coalesce(p_cart, cart_id),
          updated_at = p_now, end_reason = NULL
      WHERE id = h.id AND state = 'active' AND qty = h.qty
      RETURNING * INTO h;
    IF NOT FOUND THEN
      -- Changed or ended meanwhile: undo and decide again on what it is now.
      IF delta <> 0 THEN
        UPDATE stock_levels SET held = held - delta WHERE store_id = p_store AND sku = p_sku;
      END IF;
      CONTINUE;
    END IF;
    IF delta <> 0 THEN
      INSERT INTO events (store_id, type, payload)
        VALUES (p_store, 'hold.changed', stock_hold_payload(h, jsonb_build_object('previousQty', p_qty - delta)));
      PERFORM stock_touch(p_store, p_sku);
    END IF;
    RETURN jsonb_build_object('ok', true, 'created', false, 'hold', stock_hold_payload(h));
  END LOOP;
END;
$$;


-- Down Migration
-- Back to 0011's stock_hold_set and 0010's stock_touch.
CREATE OR REPLACE FUNCTION stock_hold_set(
  p_store text, p_sku text, p_holder text, p_qty integer, p_cart text, p_new_id uuid, p_hold_id uuid,
  p_now timestamptz, p_ttl_ms bigint, p_store_limit integer
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  lim integer;
  h holds%ROWTYPE;
  delta integer;
  expires timestamptz := p_now + p_ttl_ms * interval '1 millisecond';
  attempt integer := 0;
BEGIN
  SELECT max_per_holder INTO lim FROM stock_levels WHERE store_id = p_store AND sku = p_sku;
  IF NOT FOUND THEN
    IF NOT EXISTS (SELECT 1 FROM products WHERE sku = p_sku) OR NOT EXISTS (SELECT 1 FROM stores WHERE id = p_store) THEN
      RETURN jsonb_build_object('ok', false, 'code', 'UNKNOWN_SKU', 'sku', p_sku);
    END IF;
    INSERT INTO stock_levels (store_id, sku) VALUES (p_store, p_sku) ON CONFLICT DO NOTHING;
  END IF;
  lim := coalesce(lim, p_store_limit);
  LOOP
    attempt := attempt + 1;
    IF attempt > 8 THEN
      RAISE EXCEPTION 'the hold of % on % kept changing; try again', p_holder, p_sku USING ERRCODE = 'serialization_failure';
    END IF;
    h := NULL;
    SELECT * INTO h FROM holds WHERE store_id = p_store AND sku = p_sku AND holder_id = p_holder AND state = 'active';
    IF h.id IS NOT NULL AND h.expires_at <= p_now THEN
      PERFORM stock_expire_sku(p_store, p_sku, p_now);
      IF p_hold_id IS NOT NULL THEN
        RETURN jsonb_build_object('ok', false, 'code', 'HOLD_EXPIRED', 'holdId', h.id, 'sku', p_sku,
          'expiredAt', stock_iso(h.expires_at));
      END IF;
      CONTINUE;
    END IF;
    IF p_hold_id IS NOT NULL AND h.id IS DISTINCT FROM p_hold_id THEN
      RETURN jsonb_build_object('ok', false, 'code', 'NO_HOLD', 'holdId', p_hold_id, 'sku', p_sku);
    END IF;
    IF lim IS NOT NULL AND p_qty > lim THEN
      RETURN jsonb_build_object('ok', false, 'code', 'LIMIT_PER_CUSTOMER', 'sku', p_sku, 'limit', lim,
        'requested', p_qty, 'youHold', coalesce(h.qty, 0));
    END IF;

    IF h.id IS NULL THEN
      -- The one conditional UPDATE that grants the units.
      UPDATE stock_levels SET held = held + p_qty, updated_at = p_now
        WHERE store_id = p_store AND sku = p_sku AND received - sold - held >= p_qty;
      IF NOT FOUND THEN
        IF attempt = 1 AND stock_has_due_holds(p_store, p_sku, p_now) AND stock_expire_sku(p_store, p_sku, p_now) > 0 THEN
          CONTINUE;
        END IF;
        RETURN stock_explain_refusal(p_store, p_sku, p_holder, p_qty, 0);
      END IF;
      INSERT INTO holds (id, store_id, sku, holder_id, cart_id, qty, expires_at, created_at, updated_at)
        VALUES (p_new_id, p_store, p_sku, p_holder, p_cart, p_qty, expires, p_now, p_now)
        ON CONFLICT (store_id, sku, holder_id) WHERE state = 'active' DO NOTHING
        RETURNING * INTO h;
      IF h.id IS NULL THEN
        -- The holder got a hold on this SKU meanwhile: give the units back and change that one.
        UPDATE stock_levels SET held = held - p_qty WHERE store_id = p_store AND sku = p_sku;
        CONTINUE;
      END IF;
      INSERT INTO events (store_id, type, payload) VALUES (p_store, 'hold.granted', stock_hold_payload(h));
      PERFORM stock_touch(p_store, p_sku);
      RETURN jsonb_build_object('ok', true, 'created', true, 'hold', stock_hold_payload(h));
    END IF;

    delta := p_qty - h.qty;
    IF delta > 0 THEN
      UPDATE stock_levels SET held = held + delta, updated_at = p_now
        WHERE store_id = p_store AND sku = p_sku AND received - sold - held >= delta;
      IF NOT FOUND THEN
        IF attempt = 1 AND stock_has_due_holds(p_store, p_sku, p_now) AND stock_expire_sku(p_store, p_sku, p_now) > 0 THEN
          CONTINUE;
        END IF;
        RETURN stock_explain_refusal(p_store, p_sku, p_holder, p_qty, h.qty)
          || jsonb_build_object('holdId', h.id);
      END IF;
    ELSIF delta < 0 THEN
      UPDATE stock_levels SET held = held + delta, updated_at = p_now WHERE store_id = p_store AND sku = p_sku;
    END IF;
    UPDATE holds
      SET qty = p_qty, expires_at = GREATEST(expires_at, expires), cart_id = coalesce(p_cart, cart_id),
          updated_at = p_now, end_reason = NULL
      WHERE id = h.id AND state = 'active' AND qty = h.qty
      RETURNING * INTO h;
    IF NOT FOUND THEN
      -- Changed or ended meanwhile: undo and decide again on what it is now.
      IF delta <> 0 THEN
        UPDATE stock_levels SET held = held - delta WHERE store_id = p_store AND sku = p_sku;
      END IF;
      CONTINUE;
    END IF;
    IF delta <> 0 THEN
      INSERT INTO events (store_id, type, payload)
        VALUES (p_store, 'hold.changed', stock_hold_payload(h, jsonb_build_object('previousQty', p_qty - delta)));
      PERFORM stock_touch(p_store, p_sku);
    END IF;
    RETURN jsonb_build_object('ok', true, 'created', false, 'hold', stock_hold_payload(h));
  END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION stock_touch(p_store text, p_sku text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s stock_levels%ROWTYPE;
  avail bigint;
  alert_id bigint;
BEGIN
  SELECT * INTO s FROM stock_levels WHERE store_id = p_store AND sku = p_sku;
  IF NOT FOUND THEN RETURN; END IF;
  avail := s.received - s.sold - s.held;
  INSERT INTO events (store_id, type, payload) VALUES (p_store, 'stock.changed', jsonb_build_object(
    'storeId', p_store, 'sku', p_sku, 'received', s.received, 'sold', s.sold,
    'onHand', s.received - s.sold, 'held', s.held, 'available', avail, 'version', s.version));
  IF avail < s.low_stock_threshold AND s.low_stock_since IS NULL THEN
    UPDATE stock_levels SET low_stock_since = now() WHERE store_id = p_store AND sku = p_sku;
    INSERT INTO low_stock_alerts (store_id, sku, available, threshold)
      VALUES (p_store, p_sku, avail, s.low_stock_threshold) RETURNING id INTO alert_id;
    INSERT INTO events (store_id, type, payload) VALUES (p_store, 'alert.low_stock', jsonb_build_object(
      'alertId', alert_id, 'storeId', p_store, 'sku', p_sku, 'available', avail,
      'threshold', s.low_stock_threshold, 'onHand', s.received - s.sold, 'held', s.held));
  ELSIF avail >= s.low_stock_threshold AND s.low_stock_since IS NOT NULL THEN
    UPDATE stock_levels SET low_stock_since = NULL WHERE store_id = p_store AND sku = p_sku;
    INSERT INTO events (store_id, type, payload) VALUES (p_store, 'alert.low_stock_cleared', jsonb_build_object(
      'storeId', p_store, 'sku', p_sku, 'available', avail, 'threshold', s.low_stock_threshold));
  END IF;
END;
$$;
DROP FUNCTION stock_touch_row(stock_levels);
