-- Up Migration

-- Lowering a hold's quantity used to give the units back before it checked, under the lock,
-- that the hold was still what it had read. A shrinkage adjustment that cut the same hold in
-- between (it cuts under the stock row's lock) then made `held` go below zero, and the hold
-- failed with a constraint error instead of being decided again. Now a decrease takes the
-- stock row's lock first (the order every other writer uses), changes the hold only if it is
-- still the one it read, and only then gives the units back.
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
      -- The stock row's lock first, as every writer takes it, so the check below sees any cut.
      PERFORM 1 FROM stock_levels WHERE store_id = p_store AND sku = p_sku FOR UPDATE;
    END IF;
    UPDATE holds
      SET qty = p_qty, expires_at = GREATEST(expires_at, expires), cart_id = coalesce(p_cart, cart_id),
          updated_at = p_now, end_reason = NULL
      WHERE id = h.id AND state = 'active' AND qty = h.qty
      RETURNING * INTO h;
    IF NOT FOUND THEN
      -- Changed or ended meanwhile: undo a grant and decide again on what it is now.
      IF delta > 0 THEN
        UPDATE stock_levels SET held = held - delta WHERE store_id = p_store AND sku = p_sku;
      END IF;
      CONTINUE;
    END IF;
    IF delta < 0 THEN
      UPDATE stock_levels SET held = held + delta, updated_at = p_now WHERE store_id = p_store AND sku = p_sku;
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
-- The function stays as it is: the earlier body let a racing shrinkage break the held count.
