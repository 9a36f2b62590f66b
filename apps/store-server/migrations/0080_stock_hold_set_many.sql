-- Up Migration

-- Postgres mode, a busy sale: every hold was a transaction of its own, waiting for its SKU's
-- row lock, so the pool's connections queued on a hot row and every hold paid a transaction.
-- The server now sends the new holds asked of a store's SKUs while its previous call for them
-- runs as one call of stock_hold_set_many:
--
-- - The SKUs' rows are locked once, in (store, sku) order like every writer of several rows.
-- - Each SKU's decisions are taken one after the other, in the order asked, each with the
--   numbers as the ones before it left them (stock_hold_set_sku).
-- - A plain new hold that fits (the holder has no active hold on the SKU, within the limit) is
--   counted against what is available under the lock; consecutive such grants reach the row
--   as one conditional UPDATE of their sum (under the CHECKs, as always), one INSERT of their
--   holds and one of their hold.granted events, and one stock.changed.
-- - Anything else (a change of an existing hold, not enough stock, a refusal to explain) is
--   decided by stock_hold_set itself, after the grants before it are written.
--
-- The results are stock_hold_set's, in the order of the decisions. A decision that raises
-- fails the call (nothing of it stays); the server then decides each alone.
CREATE FUNCTION stock_hold_set_many(p_store text, p_decisions jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  part record;
  answers jsonb;
  results jsonb[] := '{}';
  i integer;
BEGIN
  PERFORM 1 FROM stock_levels
    WHERE store_id = p_store AND sku IN (SELECT d->>'sku' FROM jsonb_array_elements(p_decisions) d)
    ORDER BY sku FOR UPDATE;
  FOR part IN
    SELECT d->>'sku' AS sku, jsonb_agg(d ORDER BY n) AS decisions, array_agg(n ORDER BY n)::integer[] AS positions
    FROM jsonb_array_elements(p_decisions) WITH ORDINALITY AS x(d, n)
    GROUP BY 1 ORDER BY 1
  LOOP
    answers := stock_hold_set_sku(p_store, part.sku, part.decisions);
    FOR i IN 1 .. array_length(part.positions, 1) LOOP
      results[part.positions[i]] := answers->(i - 1);
    END LOOP;
  END LOOP;
  RETURN to_jsonb(results);
END;
$$;

-- One SKU's decisions of stock_hold_set_many, in order; returns their results in order.
CREATE FUNCTION stock_hold_set_sku(p_store text, p_sku text, p_decisions jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  d record;
  s stock_levels%ROWTYPE;
  lim integer;
  avail bigint;
  results jsonb[] := '{}';
  n integer := 0;
  -- grants counted but not yet written
  g_pos integer[] := '{}';
  g_ids uuid[] := '{}';
  g_holders text[] := '{}';
  g_carts text[] := '{}';
  g_qtys integer[] := '{}';
  g_nows timestamptz[] := '{}';
  g_expires timestamptz[] := '{}';
  g_sum bigint := 0;
BEGIN
  SELECT * INTO s FROM stock_levels WHERE store_id = p_store AND sku = p_sku FOR UPDATE;
  IF FOUND THEN
    avail := s.received - s.sold - s.held;
  END IF;

  FOR d IN
    SELECT * FROM jsonb_to_recordset(p_decisions)
      AS x(holder text, qty integer, cart text, "newId" uuid, now double precision, "ttlMs" bigint, "limit" integer)
  LOOP
    n := n + 1;
    lim := coalesce(s.max_per_holder, d."limit");
    IF avail IS NOT NULL AND d.qty > 0 AND d.qty <= avail AND (lim IS NULL OR d.qty <= lim)
       AND NOT d.holder = ANY (g_holders)
       AND NOT EXISTS (SELECT 1 FROM holds WHERE store_id = p_store AND sku = p_sku AND holder_id = d.holder AND state = 'active')
    THEN
      avail := avail - d.qty;
      g_sum := g_sum + d.qty;
      g_pos := g_pos || n;
      g_ids := g_ids || d."newId";
      g_holders := g_holders || d.holder;
      g_carts := g_carts || d.cart;
      g_qtys := g_qtys || d.qty;
      g_nows := g_nows || to_timestamp(d.now / 1000);
      g_expires := g_expires || (to_timestamp(d.now / 1000) + d."ttlMs" * interval '1 millisecond');
      results := array_append(results, NULL::jsonb);
      CONTINUE;
    END IF;
    IF g_sum > 0 THEN
      results := stock_grant_counted(p_store, p_sku, results, g_sum, g_pos, g_ids, g_holders, g_carts, g_qtys, g_nows, g_expires);
      g_sum := 0; g_pos := '{}'; g_ids := '{}'; g_holders := '{}'; g_carts := '{}'; g_qtys := '{}';
      g_nows := '{}'; g_expires := '{}';
    END IF;
    results := array_append(results, stock_hold_set(p_store, p_sku, d.holder, d.qty, d.cart, d."newId", NULL,
      to_timestamp(d.now / 1000), d."ttlMs", d."limit"));
    SELECT * INTO s FROM stock_levels WHERE store_id = p_store AND sku = p_sku FOR UPDATE;
    avail := CASE WHEN FOUND THEN s.received - s.sold - s.held END;
  END LOOP;
  IF g_sum > 0 THEN
    results := stock_grant_counted(p_store, p_sku, results, g_sum, g_pos, g_ids, g_holders, g_carts, g_qtys, g_nows, g_expires);
  END IF;
  RETURN to_jsonb(results);
END;
$$;

-- Writes grants stock_hold_set_sku counted under the SKU's row lock and puts each one's
-- result at its position.
CREATE FUNCTION stock_grant_counted(
  p_store text, p_sku text, p_results jsonb[], p_sum bigint, p_pos integer[], p_ids uuid[], p_holders text[],
  p_carts text[], p_qtys integer[], p_nows timestamptz[], p_expires timestamptz[]
) RETURNS jsonb[] LANGUAGE plpgsql AS $$
DECLARE
  s stock_levels%ROWTYPE;
  h holds%ROWTYPE;
  i integer;
BEGIN
  UPDATE stock_levels SET held = held + p_sum, updated_at = p_nows[array_length(p_nows, 1)]
    WHERE store_id = p_store AND sku = p_sku AND received - sold - held >= p_sum
    RETURNING * INTO s;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'counted grants of % no longer fit', p_sku USING ERRCODE = 'serialization_failure';
  END IF;
  FOR h IN
    INSERT INTO holds (id, store_id, sku, holder_id, cart_id, qty, expires_at, created_at, updated_at)
      SELECT g.id, p_store, p_sku, g.holder, g.cart, g.qty, g.expires, g.at, g.at
      FROM unnest(p_ids, p_holders, p_carts, p_qtys, p_expires, p_nows) AS g(id, holder, cart, qty, expires, at)
    RETURNING *
  LOOP
    i := array_position(p_ids, h.id);
    p_results[p_pos[i]] := jsonb_build_object('ok', true, 'created', true, 'hold', stock_hold_payload(h));
    INSERT INTO events (store_id, type, payload) VALUES (p_store, 'hold.granted', stock_hold_payload(h));
  END LOOP;
  PERFORM stock_touch_row(s);
  RETURN p_results;
END;
$$;

-- Down Migration
DROP FUNCTION stock_hold_set_many(text, jsonb);
DROP FUNCTION stock_hold_set_sku(text, text, jsonb);
DROP FUNCTION stock_grant_counted(text, text, jsonb[], bigint, integer[], uuid[], text[], text[], integer[], timestamptz[], timestamptz[]);
