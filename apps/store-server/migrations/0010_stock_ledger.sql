-- Up Migration

-- Stock per store and SKU, as counters that only the stock code moves:
--   received   initial stock plus every adjustment (receipts, shrinkage, counts, ERP imports)
--   sold       every unit that left through an online order or an offline sale
--   held       units reserved by active holds
--   on hand  = received - sold            (negative only after offline sales beyond the count)
--   available = received - sold - held
--
-- Online paths (holds, checkouts) are strict: holds never exceed on hand, and a checkout only
-- moves held units to sold. An offline sale from a terminal stands even when the server
-- thought the goods were not there (they are gone): it may push `sold` past `received`, and
-- then nothing can be held until stock is received or counted again.
ALTER TABLE stock_levels
  -- +1 at every change the stock authority must learn of (on hand, or holds ended here).
  ADD COLUMN version bigint NOT NULL DEFAULT 0 CHECK (version >= 0),
  -- At most this many units per holder (customer or guest); NULL: the store's setting.
  ADD COLUMN max_per_holder integer CHECK (max_per_holder > 0),
  -- Redis mode: how many buckets the SKU's stock is split into (hot SKUs).
  ADD COLUMN buckets smallint NOT NULL DEFAULT 1 CHECK (buckets BETWEEN 1 AND 64),
  -- Set when available fell below the threshold (one alert), cleared when it is back up.
  ADD COLUMN low_stock_since timestamptz,
  ADD CONSTRAINT stock_levels_holds_within_on_hand CHECK (held = 0 OR sold + held <= received);

-- Holds: soft reservations. One active hold per holder and SKU; adding to it changes its qty.
CREATE TABLE holds (
  id          uuid PRIMARY KEY,
  store_id    text NOT NULL,
  sku         text NOT NULL,
  holder_id   text NOT NULL CHECK (length(holder_id) BETWEEN 1 AND 200),
  cart_id     text CHECK (length(cart_id) BETWEEN 1 AND 200),
  qty         integer NOT NULL CHECK (qty > 0),
  state       text NOT NULL DEFAULT 'active'
              CHECK (state IN ('active', 'released', 'expired', 'converted', 'cut')),
  -- Redis mode: the bucket the hold's units came from.
  bucket      smallint NOT NULL DEFAULT 0 CHECK (bucket >= 0),
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  -- Why the hold ended (or was reduced), in words a shopper can be shown.
  end_reason  text,
  order_id    uuid,
  FOREIGN KEY (store_id, sku) REFERENCES stock_levels (store_id, sku),
  CHECK ((state = 'active') = (ended_at IS NULL)),
  CHECK ((state = 'converted') = (order_id IS NOT NULL))
);
CREATE UNIQUE INDEX holds_one_active_per_holder ON holds (store_id, sku, holder_id) WHERE state = 'active';
CREATE INDEX holds_active_by_expiry ON holds (expires_at) WHERE state = 'active';
CREATE INDEX holds_active_by_holder ON holds (store_id, holder_id) WHERE state = 'active';
CREATE INDEX holds_active_by_sku ON holds (store_id, sku, created_at DESC) WHERE state = 'active';

-- The stock ledger: every change of received or sold, with what caused it.
CREATE TABLE stock_movements (
  id              bigserial PRIMARY KEY,
  store_id        text NOT NULL,
  sku             text NOT NULL,
  kind            text NOT NULL
                  CHECK (kind IN ('receipt', 'shrinkage', 'count', 'erp_import', 'correction', 'online_sale', 'offline_sale')),
  received_delta  bigint NOT NULL DEFAULT 0,
  sold_delta      bigint NOT NULL DEFAULT 0,
  -- The command that caused it: an adjustment, order or offline sale id. One movement per SKU each.
  source_id       text NOT NULL CHECK (length(source_id) BETWEEN 1 AND 200),
  -- Offline sales: units sold beyond what the server showed as available.
  shortfall       bigint NOT NULL DEFAULT 0 CHECK (shortfall >= 0),
  note            text,
  at              timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (store_id, sku) REFERENCES stock_levels (store_id, sku),
  UNIQUE (store_id, source_id, sku),
  CHECK (received_delta <> 0 OR sold_delta <> 0)
);
CREATE INDEX stock_movements_sku_idx ON stock_movements (store_id, sku, id);

-- Changes made in PostgreSQL that the Redis stock authority must apply to its own state
-- (on hand moved, holds cut or converted here). Written in the transaction that makes the
-- change; the authority applies each once (by stock_levels.version) and deletes it.
CREATE TABLE stock_authority_feed (
  id             bigserial PRIMARY KEY,
  store_id       text NOT NULL,
  sku            text NOT NULL,
  version        bigint NOT NULL,
  on_hand_delta  bigint NOT NULL,
  -- [{ "holdId": uuid, "qty": units taken from that hold here }]
  holds_taken    jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Low-stock alerts: one per crossing below the threshold, delivered to the procurement webhook.
CREATE TABLE low_stock_alerts (
  id               bigserial PRIMARY KEY,
  store_id         text NOT NULL,
  sku              text NOT NULL,
  available        bigint NOT NULL,
  threshold        integer NOT NULL,
  at               timestamptz NOT NULL DEFAULT now(),
  delivery         text NOT NULL DEFAULT 'pending' CHECK (delivery IN ('pending', 'delivered', 'failed', 'not_configured')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  last_error       text,
  FOREIGN KEY (store_id, sku) REFERENCES stock_levels (store_id, sku)
);
CREATE INDEX low_stock_alerts_pending_idx ON low_stock_alerts (next_attempt_at) WHERE delivery = 'pending';
CREATE INDEX low_stock_alerts_store_idx ON low_stock_alerts (store_id, id DESC);

-- Called after every change of a stock_levels row, in the same transaction: writes the
-- stock.changed event (the full new state) and, once per crossing, the low-stock alert.
CREATE FUNCTION stock_touch(p_store text, p_sku text) RETURNS void LANGUAGE plpgsql AS $$
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

-- ISO 8601 in UTC with milliseconds, as every JSON payload carries times.
CREATE FUNCTION stock_iso(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- The self-contained payload of a hold.* event: the hold's full state after the change.
CREATE FUNCTION stock_hold_payload(h holds, extra jsonb DEFAULT '{}'::jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'holdId', h.id, 'storeId', h.store_id, 'sku', h.sku, 'holderId', h.holder_id, 'cartId', h.cart_id,
    'qty', h.qty, 'state', h.state, 'expiresAt', stock_iso(h.expires_at), 'reason', h.end_reason,
    'orderId', h.order_id) || extra
$$;

-- Takes units back from the newest active holds of a SKU until at most p_max_held units are
-- held (a real stock decrease must never leave more held than on hand). A hold loses only
-- the units it must; one that loses all of them ends as 'cut'. Each holder is told why in a
-- hold.cut event. The caller has locked the stock_levels row. Returns what was taken.
CREATE FUNCTION stock_cut_newest_holds(p_store text, p_sku text, p_max_held bigint, p_reason text)
RETURNS TABLE (hold_id uuid, holder_id text, taken integer, qty_left integer) LANGUAGE plpgsql AS $$
DECLARE
  excess bigint;
  h holds%ROWTYPE;
  take integer;
BEGIN
  SELECT s.held - GREATEST(p_max_held, 0) INTO excess FROM stock_levels s WHERE s.store_id = p_store AND s.sku = p_sku;
  IF excess IS NULL OR excess <= 0 THEN RETURN; END IF;
  FOR h IN
    SELECT * FROM holds x
    WHERE x.store_id = p_store AND x.sku = p_sku AND x.state = 'active'
    ORDER BY x.created_at DESC, x.id DESC
    FOR UPDATE
  LOOP
    EXIT WHEN excess <= 0;
    take := LEAST(h.qty, excess)::integer;
    IF take = h.qty THEN
      UPDATE holds SET state = 'cut', ended_at = now(), updated_at = now(), end_reason = p_reason
        WHERE id = h.id RETURNING * INTO h;
    ELSE
      UPDATE holds SET qty = qty - take, updated_at = now(), end_reason = p_reason WHERE id = h.id RETURNING * INTO h;
    END IF;
    UPDATE stock_levels SET held = held - take, updated_at = now() WHERE store_id = p_store AND sku = p_sku;
    INSERT INTO events (store_id, type, payload)
      VALUES (p_store, 'hold.cut', stock_hold_payload(h, jsonb_build_object('taken', take)));
    excess := excess - take;
    hold_id := h.id; holder_id := h.holder_id; taken := take; qty_left := CASE WHEN h.state = 'active' THEN h.qty ELSE 0 END;
    RETURN NEXT;
  END LOOP;
END;
$$;

-- Moves received and/or sold for one SKU, as one movement of the ledger, in the caller's
-- transaction: locks the row, refuses a command already applied (same source id), cuts the
-- newest holds when on hand falls below what is held, writes the movement, the events and
-- the authority feed row. With p_strict, a change that would leave on hand negative is
-- refused and nothing changes; without it (offline sales: the goods are gone) it stands.
-- Returns { applied, duplicate, refused, unknownSku, onHandBefore, availableBefore,
-- shortfall, holdsTaken, state }.
CREATE FUNCTION stock_apply_movement(
  p_store text, p_sku text, p_kind text, p_received_delta bigint, p_sold_delta bigint,
  p_source_id text, p_note text, p_strict boolean, p_cut_reason text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  s stock_levels%ROWTYPE;
  on_hand_before bigint;
  available_before bigint;
  on_hand_after bigint;
  shortfall bigint;
  taken jsonb;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM products WHERE sku = p_sku) THEN
    RETURN jsonb_build_object('applied', false, 'unknownSku', true);
  END IF;
  INSERT INTO stock_levels (store_id, sku) VALUES (p_store, p_sku) ON CONFLICT DO NOTHING;
  SELECT * INTO s FROM stock_levels WHERE store_id = p_store AND sku = p_sku FOR UPDATE;
  IF EXISTS (SELECT 1 FROM stock_movements m WHERE m.store_id = p_store AND m.source_id = p_source_id AND m.sku = p_sku) THEN
    RETURN jsonb_build_object('applied', false, 'duplicate', true);
  END IF;
  on_hand_before := s.received - s.sold;
  available_before := on_hand_before - s.held;
  on_hand_after := on_hand_before + p_received_delta - p_sold_delta;
  IF p_strict AND (on_hand_after < 0 OR s.received + p_received_delta < 0) THEN
    RETURN jsonb_build_object('applied', false, 'refused', true, 'onHandBefore', on_hand_before,
      'availableBefore', available_before);
  END IF;
  shortfall := GREATEST(p_sold_delta - GREATEST(available_before, 0), 0);
  SELECT coalesce(jsonb_agg(jsonb_build_object('holdId', c.hold_id, 'holderId', c.holder_id, 'taken', c.taken,
           'qtyLeft', c.qty_left)), '[]'::jsonb)
    INTO taken FROM stock_cut_newest_holds(p_store, p_sku, on_hand_after, p_cut_reason) c;
  UPDATE stock_levels
    SET received = received + p_received_delta, sold = sold + p_sold_delta, version = version + 1, updated_at = now()
    WHERE store_id = p_store AND sku = p_sku RETURNING * INTO s;
  INSERT INTO stock_movements (store_id, sku, kind, received_delta, sold_delta, source_id, shortfall, note)
    VALUES (p_store, p_sku, p_kind, p_received_delta, p_sold_delta, p_source_id, shortfall, p_note);
  INSERT INTO stock_authority_feed (store_id, sku, version, on_hand_delta, holds_taken)
    VALUES (p_store, p_sku, s.version, p_received_delta - p_sold_delta,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('holdId', t->'holdId', 'qty', t->'taken')), '[]'::jsonb)
       FROM jsonb_array_elements(taken) t));
  PERFORM stock_touch(p_store, p_sku);
  RETURN jsonb_build_object(
    'applied', true, 'onHandBefore', on_hand_before, 'availableBefore', available_before,
    'shortfall', shortfall, 'holdsTaken', taken,
    'state', jsonb_build_object('received', s.received, 'sold', s.sold, 'held', s.held,
      'onHand', s.received - s.sold, 'available', s.received - s.sold - s.held));
END;
$$;

-- Down Migration
DROP FUNCTION stock_apply_movement(text, text, text, bigint, bigint, text, text, boolean, text);
DROP FUNCTION stock_cut_newest_holds(text, text, bigint, text);
DROP FUNCTION stock_hold_payload(holds, jsonb);
DROP FUNCTION stock_iso(timestamptz);
DROP FUNCTION stock_touch(text, text);
DROP TABLE low_stock_alerts;
DROP TABLE stock_authority_feed;
DROP TABLE stock_movements;
DROP TABLE holds;
ALTER TABLE stock_levels
  DROP CONSTRAINT stock_levels_holds_within_on_hand,
  DROP COLUMN low_stock_since,
  DROP COLUMN buckets,
  DROP COLUMN max_per_holder,
  DROP COLUMN version;
