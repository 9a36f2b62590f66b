import type pg from 'pg';
import { inTransaction } from '../db/pool';

/** After this many failed attempts an alert is marked 'failed' (it stays on the dashboard). */
export const MAX_WEBHOOK_ATTEMPTS = 8;
const MAX_BACKOFF_MS = 5 * 60_000;

/** Wait before attempt n+1 after n failures: 1 s, 2 s, 4 s, … at most 5 minutes. */
export const webhookBackoffMs = (failures: number) => Math.min(1_000 * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS);

export interface WebhookOptions {
  /** Absent: alerts are marked 'not_configured' and stay on the dashboard. */
  url: string | undefined;
  timeoutMs?: number;
  batch?: number;
}

interface AlertRow {
  id: string;
  store_id: string;
  sku: string;
  name: string;
  available: string;
  threshold: number;
  at: Date;
  attempts: number;
}

/**
 * Delivers pending low-stock alerts to the procurement webhook: one POST per alert with a JSON
 * body and an `Idempotency-Key` header (`low-stock-alert-<id>`) so that the receiver can drop a
 * repeat. A 2xx answer marks the alert delivered; anything else is retried with exponential
 * backoff. Several server instances can run this together (rows are taken with SKIP LOCKED).
 * Returns how many alerts were delivered.
 */
export async function deliverLowStockAlerts(db: pg.Pool, options: WebhookOptions): Promise<number> {
  if (!options.url) {
    await db.query(`UPDATE low_stock_alerts SET delivery = 'not_configured' WHERE delivery = 'pending'`);
    return 0;
  }
  const url = options.url;
  return inTransaction(db, async (client) => {
    const { rows } = await client.query<AlertRow>(
      `SELECT a.id, a.store_id, a.sku, p.name, a.available, a.threshold, a.at, a.attempts
       FROM low_stock_alerts a JOIN products p USING (sku)
       WHERE a.delivery = 'pending' AND a.next_attempt_at <= now()
       ORDER BY a.id LIMIT $1 FOR UPDATE OF a SKIP LOCKED`,
      [options.batch ?? 20],
    );
    let delivered = 0;
    for (const alert of rows) {
      const error = await post(url, alert, options.timeoutMs ?? 5_000);
      if (!error) {
        delivered++;
        await client.query(
          `UPDATE low_stock_alerts SET delivery = 'delivered', delivered_at = now(), attempts = attempts + 1, last_error = NULL
           WHERE id = $1`,
          [alert.id],
        );
        continue;
      }
      const failures = alert.attempts + 1;
      await client.query(
        `UPDATE low_stock_alerts
         SET attempts = $2::int, last_error = $3, delivery = CASE WHEN $2::int >= $4::int THEN 'failed' ELSE 'pending' END,
             next_attempt_at = now() + $5 * interval '1 millisecond'
         WHERE id = $1`,
        [alert.id, failures, error, MAX_WEBHOOK_ATTEMPTS, webhookBackoffMs(failures)],
      );
    }
    return delivered;
  });
}

async function post(url: string, alert: AlertRow, timeoutMs: number): Promise<string | undefined> {
  const body = {
    type: 'alert.low_stock',
    alertId: Number(alert.id),
    storeId: alert.store_id,
    sku: alert.sku,
    name: alert.name,
    available: Number(alert.available),
    threshold: alert.threshold,
    at: alert.at.toISOString(),
  };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `low-stock-alert-${alert.id}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? undefined : `HTTP ${res.status}`;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}
