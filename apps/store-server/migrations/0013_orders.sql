-- Up Migration

-- Orders placed online from held stock: priced and final. The idempotency key is made by the
-- client; the same key always answers with the same order.
CREATE TABLE orders (
  id               uuid PRIMARY KEY,
  store_id         text NOT NULL REFERENCES stores (id),
  holder_id        text NOT NULL CHECK (length(holder_id) BETWEEN 1 AND 200),
  idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  -- SHA-256 of the canonical request: the same key with another body is refused.
  request_hash     text NOT NULL,
  status           text NOT NULL DEFAULT 'placed' CHECK (status IN ('placed')),
  currency         char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  subtotal         numeric(14, 4) NOT NULL CHECK (subtotal >= 0),
  discount         numeric(14, 4) NOT NULL DEFAULT 0 CHECK (discount >= 0),
  tax              numeric(14, 4) NOT NULL CHECK (tax >= 0),
  total            numeric(14, 4) NOT NULL CHECK (total >= 0),
  payment          jsonb NOT NULL,
  -- How the order was priced (which prices, rules or snapshot), for the audit trail.
  pricing          jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (store_id, idempotency_key)
);
CREATE INDEX orders_holder_idx ON orders (store_id, holder_id, created_at DESC);

CREATE TABLE order_lines (
  order_id    uuid NOT NULL REFERENCES orders (id),
  line_no     integer NOT NULL CHECK (line_no >= 1),
  sku         text NOT NULL REFERENCES products (sku),
  name        text NOT NULL,
  qty         integer NOT NULL CHECK (qty > 0),
  unit_price  numeric(14, 4) NOT NULL CHECK (unit_price >= 0),
  discount    numeric(14, 4) NOT NULL DEFAULT 0 CHECK (discount >= 0),
  line_total  numeric(14, 4) NOT NULL CHECK (line_total >= 0),
  tax         numeric(14, 4) NOT NULL CHECK (tax >= 0),
  hold_id     uuid NOT NULL REFERENCES holds (id),
  PRIMARY KEY (order_id, line_no)
);

ALTER TABLE holds ADD CONSTRAINT holds_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);

-- Checkout of one SKU: its held units become sold, in one conditional UPDATE. The CHECK
-- constraints back it: nothing is sold that is not on hand, whatever Redis believed.
CREATE FUNCTION stock_sell_held(p_store text, p_sku text, p_qty bigint, p_order_id uuid, p_holds jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s stock_levels%ROWTYPE;
BEGIN
  UPDATE stock_levels
    SET held = held - p_qty, sold = sold + p_qty, version = version + 1, updated_at = now()
    WHERE store_id = p_store AND sku = p_sku AND held >= p_qty AND received - sold >= p_qty
    RETURNING * INTO s;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'checkout of % units of % exceeds what is held or on hand', p_qty, p_sku
      USING ERRCODE = 'check_violation';
  END IF;
  INSERT INTO stock_movements (store_id, sku, kind, sold_delta, source_id)
    VALUES (p_store, p_sku, 'online_sale', p_qty, p_order_id::text);
  INSERT INTO stock_authority_feed (store_id, sku, version, on_hand_delta, holds_taken)
    VALUES (p_store, p_sku, s.version, -p_qty, p_holds);
  PERFORM stock_touch(p_store, p_sku);
END;
$$;

-- Down Migration
DROP FUNCTION stock_sell_held(text, text, bigint, uuid, jsonb);
ALTER TABLE holds DROP CONSTRAINT holds_order_fk;
DROP TABLE order_lines;
DROP TABLE orders;
