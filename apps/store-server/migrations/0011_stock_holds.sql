-- Up Migration

-- The Postgres-mode stock authority: each function is one atomic decision, built around one
-- conditional UPDATE of the SKU's stock_levels row (the row lock serializes every decision on
-- the SKU; the CHECK constraints make a wrong one impossible to commit). Lock order is always
-- the stock_levels row first, then holds rows, so functions never deadlock each other.
-- Times come from the caller's clock (p_now) so that tests can move time.

-- Due holds of a SKU, found without touching the others (lazy expiry on the refusal path).
CREATE INDEX holds_active_by_sku_expiry ON holds (store_id, sku, expires_at) WHERE state = 'active';

-- True when the SKU has holds whose time has come but which the sweeper has not reached yet.
CREATE FUNCTION stock_has_due_holds(p_store text, p_sku text, p_now timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM holds WHERE store_id = p_store AND sku = p_sku AND state = 'active' AND expires_at <= p_now)
$$;

-- Why `p_wanted` units cannot be held for p_holder, with the numbers (no message: the caller words it).
CREATE FUNCTION stock_explain_refusal(p_store text, p_sku text, p_holder text, p_wanted integer, p_you_hold integer)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  s stock_levels%ROWTYPE;
  avail bigint;
  first_expiry timestamptz;
BEGIN
  SELECT * INTO s FROM stock_levels WHERE store_id = p_store AND sku = p_sku;
  avail := GREATEST(s.received - s.sold - s.held, 0);
  IF avail > 0 THEN
    RETURN jsonb_build_object('ok', false, 'code', 'NOT_ENOUGH', 'sku', p_sku, 'available', avail,
      'requested', p_wanted, 'youHold', p_you_hold);
  END IF;
  IF s.held > p_you_hold THEN
    SELECT min(expires_at) INTO first_expiry FROM holds
      WHERE store_id = p_store AND sku = p_sku AND state = 'active' AND holder_id <> p_holder;
    RETURN jsonb_build_object('ok', false, 'code', 'HELD_BY_OTHERS', 'sku', p_sku, 'available', 0,
      'requested', p_wanted, 'youHold', p_you_hold, 'firstExpiresAt', stock_iso(first_expiry));
  END IF;
  IF p_you_hold > 0 THEN
    RETURN jsonb_build_object('ok', false, 'code', 'ALREADY_HOLDS_LAST', 'sku', p_sku, 'available', 0,
      'requested', p_wanted, 'youHold', p_you_hold);
  END IF;
  RETURN jsonb_build_object('ok', false, 'code', 'SOLD_OUT', 'sku', p_sku, 'available', 0, 'requested', p_wanted,
    'youHold', 0);
END;
$$;

-- Expires the due holds of one SKU; returns how many.
CREATE FUNCTION stock_expire_sku(p_store text, p_sku text, p_now timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  h holds%ROWTYPE;
  n integer := 0;
  units bigint := 0;
BEGIN
  PERFORM 1 FROM stock_levels WHERE store_id = p_store AND sku = p_sku FOR UPDATE;
  FOR h IN
    UPDATE holds SET state = 'expired', ended_at = p_now, updated_at = p_now, end_reason = 'The hold expired'
    WHERE store_id = p_store AND sku = p_sku AND state = 'active' AND expires_at <= p_now
    RETURNING *
  LOOP
    n := n + 1;
    units := units + h.qty;
    INSERT INTO events (store_id, type, payload) VALUES (p_store, 'hold.expired', stock_hold_payload(h));
  END LOOP;
  IF n > 0 THEN
    UPDATE stock_levels SET held = held - units, updated_at = p_now WHERE store_id = p_store AND sku = p_sku;
    PERFORM stock_touch(p_store, p_sku);
  END IF;
  RETURN n;
END;
$$;

-- The sweeper: expires due holds of up to p_max_skus SKUs; returns how many holds.
CREATE FUNCTION stock_expire_due(p_now timestamptz, p_max_skus integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  FOR r IN
    SELECT DISTINCT store_id, sku FROM holds WHERE state = 'active' AND expires_at <= p_now LIMIT p_max_skus
  LOOP
    n := n + stock_expire_sku(r.store_id, r.sku, p_now);
  END LOOP;
  RETURN n;
END;
$$;

-- Grants a hold, or sets the holder's hold on the SKU to p_qty (p_hold_id: only that hold).
-- Returns { ok: true, created, hold } or a refusal { ok: false, code, ...numbers }.
CREATE FUNCTION stock_hold_set(
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

-- Sets hold p_hold_id to p_qty: NO_HOLD when it is unknown or ended, HOLD_EXPIRED when it expired.
CREATE FUNCTION stock_hold_change(
  p_store text, p_hold_id uuid, p_qty integer, p_now timestamptz, p_ttl_ms bigint, p_store_limit integer
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  h holds%ROWTYPE;
BEGIN
  SELECT * INTO h FROM holds WHERE id = p_hold_id AND store_id = p_store;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('ok', false, 'code', 'NO_HOLD', 'holdId', p_hold_id);
  END IF;
  IF h.state = 'expired' THEN
    RETURN jsonb_build_object('ok', false, 'code', 'HOLD_EXPIRED', 'holdId', h.id, 'sku', h.sku,
      'expiredAt', stock_iso(h.expires_at));
  END IF;
  IF h.state <> 'active' THEN
    RETURN jsonb_build_object('ok', false, 'code', 'NO_HOLD', 'holdId', h.id, 'sku', h.sku, 'state', h.state,
      'reason', h.end_reason);
  END IF;
  RETURN stock_hold_set(p_store, h.sku, h.holder_id, p_qty, NULL, NULL, h.id, p_now, p_ttl_ms, p_store_limit);
END;
$$;

-- Ends an active hold as p_state ('released', or 'expired' by the sweeper). An ended hold
-- is returned as it is (releasing twice is safe).
CREATE FUNCTION stock_hold_end(p_store text, p_hold_id uuid, p_state text, p_reason text, p_now timestamptz)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  h holds%ROWTYPE;
BEGIN
  SELECT * INTO h FROM holds WHERE id = p_hold_id AND store_id = p_store;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('ok', false, 'code', 'NO_HOLD', 'holdId', p_hold_id);
  END IF;
  IF h.state = 'active' THEN
    PERFORM 1 FROM stock_levels WHERE store_id = p_store AND sku = h.sku FOR UPDATE;
    UPDATE holds SET state = p_state, ended_at = p_now, updated_at = p_now, end_reason = p_reason
      WHERE id = p_hold_id AND state = 'active' RETURNING * INTO h;
    IF FOUND THEN
      UPDATE stock_levels SET held = held - h.qty, updated_at = p_now WHERE store_id = p_store AND sku = h.sku;
      INSERT INTO events (store_id, type, payload) VALUES (p_store, 'hold.' || p_state, stock_hold_payload(h));
      PERFORM stock_touch(p_store, h.sku);
      RETURN jsonb_build_object('ok', true, 'created', false, 'hold', stock_hold_payload(h));
    END IF;
    SELECT * INTO h FROM holds WHERE id = p_hold_id;
  END IF;
  RETURN jsonb_build_object('ok', true, 'created', false, 'hold', stock_hold_payload(h));
END;
$$;

-- A pending payment: the hold lives until at least p_until.
CREATE FUNCTION stock_hold_extend(p_store text, p_hold_id uuid, p_until timestamptz, p_now timestamptz)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  h holds%ROWTYPE;
BEGIN
  UPDATE holds SET expires_at = GREATEST(expires_at, p_until), updated_at = p_now
    WHERE id = p_hold_id AND store_id = p_store AND state = 'active' AND expires_at > p_now
    RETURNING * INTO h;
  IF FOUND THEN
    INSERT INTO events (store_id, type, payload) VALUES (p_store, 'hold.extended', stock_hold_payload(h));
    RETURN jsonb_build_object('ok', true, 'created', false, 'hold', stock_hold_payload(h));
  END IF;
  SELECT * INTO h FROM holds WHERE id = p_hold_id AND store_id = p_store;
  IF NOT FOUND OR h.state IN ('released', 'converted', 'cut') THEN
    RETURN jsonb_build_object('ok', false, 'code', 'NO_HOLD', 'holdId', p_hold_id, 'sku', h.sku);
  END IF;
  IF h.state = 'active' THEN PERFORM stock_expire_sku(p_store, h.sku, p_now); END IF;
  RETURN jsonb_build_object('ok', false, 'code', 'HOLD_EXPIRED', 'holdId', p_hold_id, 'sku', h.sku,
    'expiredAt', stock_iso(h.expires_at));
END;
$$;

-- Login: every active hold of p_from moves to p_to. Where p_to already holds the SKU the two
-- merge into p_to's hold (up to the per-holder limit; units beyond it are released).
CREATE FUNCTION stock_hold_transfer(p_store text, p_from text, p_to text, p_now timestamptz, p_store_limit integer)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  g holds%ROWTYPE;
  u holds%ROWTYPE;
  lim integer;
  keep integer;
  excess integer;
  moved jsonb := '[]'::jsonb;
  released bigint := 0;
BEGIN
  FOR g IN
    SELECT * FROM holds WHERE store_id = p_store AND holder_id = p_from AND state = 'active' ORDER BY sku
  LOOP
    SELECT coalesce(max_per_holder, p_store_limit) INTO lim FROM stock_levels
      WHERE store_id = p_store AND sku = g.sku FOR UPDATE;
    IF g.expires_at <= p_now THEN
      PERFORM stock_expire_sku(p_store, g.sku, p_now);
      CONTINUE;
    END IF;
    u := NULL;
    SELECT * INTO u FROM holds
      WHERE store_id = p_store AND sku = g.sku AND holder_id = p_to AND state = 'active' FOR UPDATE;
    IF u.id IS NULL THEN
      UPDATE holds SET holder_id = p_to, updated_at = p_now WHERE id = g.id AND state = 'active' RETURNING * INTO g;
      IF FOUND THEN
        INSERT INTO events (store_id, type, payload)
          VALUES (p_store, 'hold.transferred', stock_hold_payload(g, jsonb_build_object('fromHolderId', p_from)));
        moved := moved || stock_hold_payload(g);
      END IF;
      CONTINUE;
    END IF;
    UPDATE holds SET state = 'released', ended_at = p_now, updated_at = p_now,
        end_reason = 'Merged into hold ' || u.id || ' at login'
      WHERE id = g.id AND state = 'active' RETURNING * INTO g;
    IF NOT FOUND THEN CONTINUE; END IF;
    keep := LEAST(u.qty + g.qty, coalesce(lim, u.qty + g.qty));
    excess := u.qty + g.qty - keep;
    UPDATE holds SET qty = keep, expires_at = GREATEST(u.expires_at, g.expires_at), updated_at = p_now
      WHERE id = u.id RETURNING * INTO u;
    IF excess > 0 THEN
      UPDATE stock_levels SET held = held - excess, updated_at = p_now WHERE store_id = p_store AND sku = g.sku;
      released := released + excess;
    END IF;
    INSERT INTO events (store_id, type, payload) VALUES
      (p_store, 'hold.released', stock_hold_payload(g)),
      (p_store, 'hold.changed', stock_hold_payload(u, jsonb_build_object('mergedFrom', g.id)));
    PERFORM stock_touch(p_store, g.sku);
    moved := moved || stock_hold_payload(u);
  END LOOP;
  RETURN jsonb_build_object('holds', moved, 'releasedUnits', released);
END;
$$;

-- Down Migration
DROP FUNCTION stock_hold_transfer(text, text, text, timestamptz, integer);
DROP FUNCTION stock_hold_extend(text, uuid, timestamptz, timestamptz);
DROP FUNCTION stock_hold_change(text, uuid, integer, timestamptz, bigint, integer);
DROP FUNCTION stock_hold_end(text, uuid, text, text, timestamptz);
DROP FUNCTION stock_hold_set(text, text, text, integer, text, uuid, uuid, timestamptz, bigint, integer);
DROP FUNCTION stock_expire_due(timestamptz, integer);
DROP FUNCTION stock_expire_sku(text, text, timestamptz);
DROP FUNCTION stock_explain_refusal(text, text, text, integer, integer);
DROP FUNCTION stock_has_due_holds(text, text, timestamptz);
DROP INDEX holds_active_by_sku_expiry;
