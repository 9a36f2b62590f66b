-- Up Migration

-- Stock adjustments by managers and the ERP (receipts, shrinkage, corrections, counts, imports).
-- The id is made by the client, so that a retried adjustment is applied at most once.
CREATE TABLE stock_adjustments (
  id            uuid PRIMARY KEY,
  store_id      text NOT NULL REFERENCES stores (id),
  kind          text NOT NULL CHECK (kind IN ('receipt', 'shrinkage', 'correction', 'count', 'erp_import')),
  -- SHA-256 of the canonical request: the same id with another body is refused.
  request_hash  text NOT NULL,
  note          text,
  result        jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_adjustments_store_idx ON stock_adjustments (store_id, created_at DESC);

-- A count (or an ERP import of stock levels): on hand becomes p_on_hand. The difference is
-- worked out under the row lock and applied as one movement of received.
CREATE FUNCTION stock_apply_count(
  p_store text, p_sku text, p_on_hand bigint, p_kind text, p_source_id text, p_note text, p_cut_reason text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  s stock_levels%ROWTYPE;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM products WHERE sku = p_sku) THEN
    RETURN jsonb_build_object('applied', false, 'unknownSku', true);
  END IF;
  INSERT INTO stock_levels (store_id, sku) VALUES (p_store, p_sku) ON CONFLICT DO NOTHING;
  SELECT * INTO s FROM stock_levels WHERE store_id = p_store AND sku = p_sku FOR UPDATE;
  IF p_on_hand = s.received - s.sold THEN
    RETURN jsonb_build_object('applied', false, 'unchanged', true, 'onHandBefore', s.received - s.sold,
      'availableBefore', s.received - s.sold - s.held,
      'state', jsonb_build_object('received', s.received, 'sold', s.sold, 'held', s.held,
        'onHand', s.received - s.sold, 'available', s.received - s.sold - s.held));
  END IF;
  RETURN stock_apply_movement(p_store, p_sku, p_kind, p_on_hand - (s.received - s.sold), 0, p_source_id, p_note,
    true, p_cut_reason);
END;
$$;

-- Down Migration
DROP FUNCTION stock_apply_count(text, text, bigint, text, text, text, text);
DROP TABLE stock_adjustments;
