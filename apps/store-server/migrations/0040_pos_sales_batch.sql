-- Up Migration

-- Offline sales uploaded by a terminal, applied a batch at a time (src/sync/uploads/sales-batch.ts).
-- One call does for a whole batch what stock_apply_movement and the upload code did per sale,
-- with a handful of set-based statements: claim the ids, lock the SKUs, work out each line
-- against the stock as the sales before it in the batch left it, and write the sales, the
-- movements, the stock levels (one UPDATE per SKU), the authority feed and the events. The
-- rules are those of one sale at a time, in batch order; only the number of stock.changed
-- events differs (one per SKU per batch, with the SKU's final state).

-- One uploaded item, as the server read it.
CREATE TYPE pos_upload_item AS (
  ord         integer,  -- position in the uploaded batch
  id          uuid,     -- the id the item is claimed under
  result_id   uuid,     -- the id its result names (null: the item had none that could be read)
  kind        text,
  created_at  bigint,   -- epoch ms, the terminal's clock
  payload     jsonb,    -- stored with the claim: the sale's payload, or whatever was read of a rejected item
  reject      text,     -- why the item is rejected, when that was decided before
  price       jsonb,    -- the price discrepancy found by pricing the sale again, if any
  first       boolean   -- the first time this id comes in the batch (a repeat is a duplicate of it)
);

-- One SKU of one sale, against the stock as the sales before it left it.
CREATE TYPE pos_sale_line AS (
  ord               integer,
  sale_id           uuid,
  sku               text,
  qty               bigint,   -- the sale's units of this SKU (its lines added up)
  available_before  bigint,
  shortfall         bigint,   -- units sold beyond what was available
  on_hand_after     bigint,
  cuts_holds        boolean   -- more would be held than on hand: the newest holds lose units
);

-- What became of one new sale.
CREATE TYPE pos_sale_outcome AS (ord integer, id uuid, status text, details jsonb);

-- Applies a batch of a terminal's sales and rejections (p_items: pos_upload_item fields as JSON,
-- in batch order) in the caller's transaction. Returns one row per item, in batch order:
-- status (accepted, stock_discrepancy, price_discrepancy, duplicate, rejected), for a duplicate
-- the original status, a reason for a rejection, and details ({ stock?, price? }).
CREATE FUNCTION pos_record_sales(p_store text, p_terminal text, p_items jsonb)
RETURNS TABLE (ord integer, status text, original text, reason text, details jsonb)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  items pos_upload_item[];
  claimed uuid[];
  lines pos_sale_line[];
  l pos_sale_line;
  cuts jsonb := '[]'::jsonb;
  levels stock_levels[];
  outcomes pos_sale_outcome[];
BEGIN
  -- 1. The items; a sale of an SKU the catalog does not know is rejected.
  SELECT array_agg(ROW(x.ord, x.id, x.result_id, x.kind, x.created_at, x.payload,
           coalesce(x.reject, CASE WHEN x.kind = 'sale' THEN (
             SELECT CASE count(*) WHEN 1 THEN 'SKU ' ELSE 'SKUs ' END
                    || string_agg(u.sku, ', ' ORDER BY u.sku COLLATE "C") || ' not in the catalog'
             FROM (SELECT DISTINCT e.sku FROM jsonb_to_recordset(x.payload->'lines') e(sku text)
                   WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = e.sku)) u
             HAVING count(*) > 0) END),
           x.price, x.first)::pos_upload_item ORDER BY x.ord)
    INTO items
    FROM (SELECT r.*, r.ord = min(r.ord) OVER (PARTITION BY r.id) AS first
          FROM jsonb_to_recordset(p_items) r(ord integer, id uuid, result_id uuid, kind text, created_at bigint,
                                             payload jsonb, reject text, price jsonb)) x;
  IF items IS NULL THEN RETURN; END IF;

  -- 2. Claim each id: the primary key makes each command take effect at most once. An id
  -- claimed by a transaction still running waits for it (ids in one order: no deadlock).
  WITH claim AS (
    INSERT INTO terminal_uploads (id, store_id, terminal_id, kind, status, reason, payload, created_at)
    SELECT i.id, p_store, p_terminal, i.kind, CASE WHEN i.reject IS NULL THEN 'accepted' ELSE 'rejected' END,
           i.reject, i.payload, to_timestamp(i.created_at / 1000.0)
    FROM unnest(items) i WHERE i.first ORDER BY i.id
    ON CONFLICT (id) DO NOTHING
    RETURNING id)
  SELECT coalesce(array_agg(c.id), '{}') INTO claimed FROM claim c;

  -- 3. The manager hears of each rejection.
  INSERT INTO events (store_id, type, payload)
  SELECT p_store, 'alert.upload_rejected', jsonb_build_object('storeId', p_store, 'terminalId', p_terminal,
           'id', i.result_id, 'kind', i.kind, 'reason', i.reject)
  FROM unnest(items) i WHERE i.first AND i.reject IS NOT NULL AND i.id = ANY (claimed) ORDER BY i.ord;

  -- 4. The new sales, one line per SKU.
  SELECT array_agg(ROW(a.ord, a.sale_id, a.sku, a.qty, NULL, NULL, NULL, NULL)::pos_sale_line)
    INTO lines
    FROM (SELECT i.ord, i.id AS sale_id, e.sku, sum(e.qty)::bigint AS qty
          FROM unnest(items) i, jsonb_to_recordset(i.payload->'lines') e(sku text, qty bigint)
          WHERE i.first AND i.reject IS NULL AND i.kind = 'sale' AND i.id = ANY (claimed)
          GROUP BY i.ord, i.id, e.sku) a;

  IF lines IS NOT NULL THEN
    -- 5. Lock their SKUs' stock rows in SKU order, as all stock code does (a known product
    -- never stocked in this store gets its row at zero).
    INSERT INTO stock_levels (store_id, sku)
    SELECT p_store, k.sku FROM (SELECT DISTINCT x.sku FROM unnest(lines) x) k
    WHERE NOT EXISTS (SELECT 1 FROM stock_levels s WHERE s.store_id = p_store AND s.sku = k.sku)
    ORDER BY k.sku COLLATE "C"
    ON CONFLICT DO NOTHING;
    PERFORM 1 FROM stock_levels s
    WHERE s.store_id = p_store AND s.sku IN (SELECT x.sku FROM unnest(lines) x)
    ORDER BY s.sku COLLATE "C"
    FOR UPDATE;

    -- 6. Each line against the stock as the earlier sales of the batch left it. One sale at a
    -- time would cut holds down to on hand after each sale, so before sale k:
    -- held = least(held now, greatest(on hand before k, 0)).
    SELECT array_agg(ROW(m.ord, m.sale_id, m.sku, m.qty, m.on_hand_before - m.held_before,
             GREATEST(m.qty - GREATEST(m.on_hand_before - m.held_before, 0), 0),
             m.on_hand_before - m.qty, m.held_before > GREATEST(m.on_hand_before - m.qty, 0))::pos_sale_line
             ORDER BY m.sku COLLATE "C", m.ord)
      INTO lines
      FROM (SELECT w.*, LEAST(w.held_now, GREATEST(w.on_hand_before, 0)) AS held_before
            FROM (SELECT x.ord, x.sale_id, x.sku, x.qty, s.held AS held_now,
                         s.received - s.sold - coalesce(sum(x.qty) OVER (PARTITION BY x.sku ORDER BY x.ord
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS on_hand_before
                  FROM unnest(lines) x JOIN stock_levels s ON s.store_id = p_store AND s.sku = x.sku) w) m;

    -- 7. Holds that can no longer be honoured lose units, newest first, sale by sale (rare:
    -- only where the shop sold what was held online).
    FOR l IN SELECT * FROM unnest(lines) x WHERE x.cuts_holds LOOP
      cuts := cuts || coalesce((
        SELECT jsonb_agg(jsonb_build_object('ord', l.ord, 'sku', l.sku, 'holdId', c.hold_id, 'taken', c.taken))
        FROM stock_cut_newest_holds(p_store, l.sku, l.on_hand_after,
               format('Sold in the shop (sale %s) before your order was placed', l.sale_id)) c), '[]'::jsonb);
    END LOOP;

    -- 8. The stock: one UPDATE per SKU, its ledger movements, a feed row for the Redis
    -- authority (one version step per SKU), and stock.changed with the alerts.
    WITH per_sku AS (SELECT x.sku, sum(x.qty) AS qty FROM unnest(lines) x GROUP BY x.sku),
    moved AS (
      UPDATE stock_levels s SET sold = s.sold + p.qty, version = s.version + 1, updated_at = now()
      FROM per_sku p WHERE s.store_id = p_store AND s.sku = p.sku
      RETURNING s.*)
    SELECT array_agg(ROW(m.*)::stock_levels ORDER BY m.sku COLLATE "C") INTO levels FROM moved m;

    INSERT INTO stock_movements (store_id, sku, kind, received_delta, sold_delta, source_id, shortfall)
    SELECT p_store, x.sku, 'offline_sale', 0, x.qty, x.sale_id::text, x.shortfall FROM unnest(lines) x;

    INSERT INTO stock_authority_feed (store_id, sku, version, on_hand_delta, holds_taken)
    SELECT s.store_id, s.sku, s.version, -(SELECT sum(x.qty) FROM unnest(lines) x WHERE x.sku = s.sku),
           coalesce((SELECT jsonb_agg(jsonb_build_object('holdId', c->'holdId', 'qty', c->'taken'))
                     FROM jsonb_array_elements(cuts) c WHERE c->>'sku' = s.sku), '[]'::jsonb)
    FROM unnest(levels) s;

    PERFORM stock_touch_row(s) FROM unnest(levels) s;
  END IF;

  -- 9. Each new sale's outcome: a stock discrepancy before a price discrepancy.
  SELECT array_agg(ROW(i.ord, i.id,
           CASE WHEN d.stock IS NOT NULL THEN 'stock_discrepancy'
                WHEN i.price IS NOT NULL THEN 'price_discrepancy' ELSE 'accepted' END,
           CASE WHEN d.stock IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('stock', d.stock) END
             || CASE WHEN i.price IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('price', i.price) END
         )::pos_sale_outcome ORDER BY i.ord)
    INTO outcomes
    FROM unnest(items) i
    LEFT JOIN LATERAL (
      SELECT jsonb_agg(jsonb_build_object('sku', x.sku, 'qty', x.qty, 'available', x.available_before)
                       ORDER BY x.sku COLLATE "C") AS stock
      FROM unnest(lines) x WHERE x.sale_id = i.id AND x.shortfall > 0) d ON true
    WHERE i.first AND i.reject IS NULL AND i.kind = 'sale' AND i.id = ANY (claimed);

  IF outcomes IS NOT NULL THEN
    INSERT INTO pos_sales (id, store_id, terminal_id, sold_at, currency, subtotal, tax, total, tax_included,
                           rules_snapshot_id, customer_id, lines, payments, server_snapshot_id, server_total,
                           price_difference)
    SELECT i.id, p_store, p_terminal, to_timestamp((i.payload->>'soldAt')::bigint / 1000.0), i.payload->>'currency',
           (i.payload->>'subtotal')::numeric, (i.payload->>'tax')::numeric, (i.payload->>'total')::numeric,
           (i.payload->>'taxIncluded')::boolean, i.payload->>'rulesSnapshotId', i.payload->>'customerId',
           i.payload->'lines', coalesce(i.payload->'payments', '[]'::jsonb), i.price->>'serverSnapshotId',
           (i.price->>'serverTotal')::numeric, (i.price->>'difference')::numeric
    FROM unnest(outcomes) o JOIN unnest(items) i ON i.ord = o.ord
    ORDER BY o.ord;

    UPDATE terminal_uploads u SET status = o.status, details = o.details
    FROM unnest(outcomes) o
    WHERE u.id = o.id AND (o.status <> 'accepted' OR o.details <> '{}'::jsonb);

    -- Per sale: its stock record, the sale, and the manager's alert for a stock discrepancy.
    INSERT INTO events (store_id, type, payload)
    SELECT p_store, e.type, e.payload
    FROM unnest(outcomes) o
    JOIN unnest(items) i ON i.ord = o.ord
    CROSS JOIN LATERAL (
      SELECT 1 AS n, 'stock.sold_offline' AS type, jsonb_build_object('storeId', p_store, 'saleId', o.id,
               'lines', (SELECT jsonb_agg(jsonb_build_object('sku', x.sku, 'qty', x.qty, 'recorded', true,
                                   'shortfall', x.shortfall,
                                   'holdsCut', (SELECT count(*) FROM jsonb_array_elements(cuts) c
                                                WHERE (c->>'ord')::integer = x.ord AND c->>'sku' = x.sku))
                                 ORDER BY x.sku COLLATE "C")
                         FROM unnest(lines) x WHERE x.sale_id = o.id)) AS payload
      UNION ALL
      SELECT 2, 'sale.recorded', jsonb_build_object('saleId', o.id, 'storeId', p_store, 'terminalId', p_terminal,
               'soldAt', stock_iso(to_timestamp((i.payload->>'soldAt')::bigint / 1000.0)),
               'currency', i.payload->'currency', 'subtotal', i.payload->'subtotal', 'tax', i.payload->'tax',
               'total', i.payload->'total', 'lines', i.payload->'lines', 'status', o.status) || o.details
      UNION ALL
      SELECT 3, 'alert.stock_discrepancy', jsonb_build_object('storeId', p_store, 'terminalId', p_terminal,
               'saleId', o.id, 'lines', o.details->'stock',
               'message', format('Terminal %s sold %s while offline: count the shelf.', p_terminal,
                 (SELECT string_agg(format('%s × %s (%s available)', s->>'qty', s->>'sku',
                                           GREATEST((s->>'available')::bigint, 0)), ', ' ORDER BY n)
                  FROM jsonb_array_elements(o.details->'stock') WITH ORDINALITY AS t(s, n))))
      WHERE o.details ? 'stock'
    ) e
    ORDER BY o.ord, e.n;
  END IF;

  -- 10. Every item's result, in batch order. An id seen before (in an earlier upload, or
  -- earlier in this batch) is a duplicate and counted as one; an id another terminal used is refused.
  RETURN QUERY
  WITH again AS (
    SELECT i.id, count(*)::integer AS n FROM unnest(items) i
    WHERE NOT (i.first AND i.id = ANY (claimed)) GROUP BY i.id),
  counted AS (
    UPDATE terminal_uploads u SET duplicates = u.duplicates + a.n FROM again a
    WHERE u.id = a.id AND u.terminal_id = p_terminal
    RETURNING u.id, u.status, u.reason, u.details)
  SELECT i.ord,
         CASE WHEN i.first AND i.id = ANY (claimed) THEN coalesce(o.status, 'rejected')
              WHEN c.id IS NOT NULL THEN 'duplicate' ELSE 'rejected' END,
         CASE WHEN NOT (i.first AND i.id = ANY (claimed)) THEN c.status END,
         CASE WHEN i.first AND i.id = ANY (claimed) THEN i.reject
              WHEN c.id IS NOT NULL THEN c.reason
              ELSE format('id %s was already used by a command of another terminal; make a new id', i.id) END,
         CASE WHEN i.first AND i.id = ANY (claimed) THEN coalesce(o.details, '{}'::jsonb)
              ELSE coalesce(c.details, '{}'::jsonb) END
  FROM unnest(items) i
  LEFT JOIN unnest(outcomes) o ON o.ord = i.ord
  LEFT JOIN counted c ON c.id = i.id
  ORDER BY i.ord;
END;
$$;

-- Down Migration
DROP FUNCTION pos_record_sales(text, text, jsonb);
DROP TYPE pos_sale_outcome;
DROP TYPE pos_sale_line;
DROP TYPE pos_upload_item;
