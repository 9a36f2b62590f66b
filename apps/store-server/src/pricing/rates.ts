import Decimal from 'decimal.js';
import type pg from 'pg';
import { appendEvents } from '../db/events';
import { AppError } from '../errors';

/**
 * Exchange-rate snapshots: each publication of rates (from the feed or a manager) is kept
 * whole and never changed; the newest one (by the time it is valid from) prices carts,
 * and every priced cart names the snapshot it used.
 */

export interface RatesSnapshot {
  id: string;
  /** Rates are units of each currency per one unit of `base`. */
  base: string;
  asOf: string;
  source: 'manual' | 'feed';
  sourceUrl: string | null;
  receivedAt: string;
  rates: Record<string, string>;
}

interface SnapshotRow {
  id: string;
  base: string;
  as_of: Date | string;
  source: 'manual' | 'feed';
  source_url: string | null;
  received_at: Date | string;
  rates: Record<string, string> | null;
}

const iso = (value: Date | string) => new Date(value).toISOString();

export function toRatesSnapshot(row: SnapshotRow): RatesSnapshot {
  return {
    id: row.id,
    base: row.base,
    asOf: iso(row.as_of),
    source: row.source,
    sourceUrl: row.source_url,
    receivedAt: iso(row.received_at),
    rates: Object.fromEntries(Object.entries(row.rates ?? {}).map(([c, r]) => [c, new Decimal(r).toFixed()])),
  };
}

const SNAPSHOT_COLUMNS = `s.id, s.base, s.as_of, s.source, s.source_url, s.received_at,
  (SELECT json_object_agg(r.currency, r.rate::text) FROM exchange_rates r WHERE r.snapshot_id = s.id) AS rates`;

/**
 * SQL for the newest snapshot that can convert $from into $to (directly, or across its
 * base), as one JSON value: used inside the one statement that reads a cart's facts.
 */
export function latestConvertingSnapshotSql(from: string, to: string): string {
  const has = (param: string) =>
    `(s.base = ${param} OR EXISTS (SELECT 1 FROM exchange_rates x WHERE x.snapshot_id = s.id AND x.currency = ${param}))`;
  return `(SELECT row_to_json(t) FROM (
      SELECT ${SNAPSHOT_COLUMNS} FROM exchange_rate_snapshots s
      WHERE ${has(from)} AND ${has(to)}
      ORDER BY s.as_of DESC, s.received_at DESC LIMIT 1) t)`;
}

const RATE_DIGITS = 15;

/**
 * Rates per one unit of `base` from a snapshot published in any base that includes it
 * (the ECB publishes per EUR; a USD store needs per USD): cross rates, to 15 digits.
 */
export function ratesPer(snapshot: RatesSnapshot, base: string): Record<string, string> | undefined {
  if (snapshot.base === base) return snapshot.rates;
  const baseRate = snapshot.rates[base];
  if (!baseRate) return undefined;
  const per = new Decimal(baseRate);
  const out: Record<string, string> = {
    [snapshot.base]: new Decimal(1).div(per).toSignificantDigits(RATE_DIGITS).toFixed(),
  };
  for (const [currency, rate] of Object.entries(snapshot.rates)) {
    if (currency === base) continue;
    out[currency] = new Decimal(rate).div(per).toSignificantDigits(RATE_DIGITS).toFixed();
  }
  return out;
}

export async function latestRatesSnapshot(
  db: pg.Pool | pg.PoolClient,
  base?: string,
): Promise<RatesSnapshot | undefined> {
  const where = base
    ? `WHERE s.base = $1 OR EXISTS (SELECT 1 FROM exchange_rates x WHERE x.snapshot_id = s.id AND x.currency = $1)`
    : '';
  const { rows } = await db.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM exchange_rate_snapshots s ${where}
     ORDER BY s.as_of DESC, s.received_at DESC LIMIT 1`,
    base ? [base] : [],
  );
  return rows[0] ? toRatesSnapshot(rows[0]) : undefined;
}

export async function getRatesSnapshot(db: pg.Pool | pg.PoolClient, id: string): Promise<RatesSnapshot | undefined> {
  const { rows } = await db.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM exchange_rate_snapshots s WHERE s.id = $1`,
    [id],
  );
  return rows[0] ? toRatesSnapshot(rows[0]) : undefined;
}

export interface NewRatesSnapshot {
  id: string;
  base: string;
  /** Default: now (and then a retry under the same id matches whatever time the first one got). */
  asOf?: Date;
  source: 'manual' | 'feed';
  sourceUrl: string | null;
  rates: Record<string, string>;
}

function sameContent(a: RatesSnapshot, b: NewRatesSnapshot): boolean {
  const rates = (r: Record<string, string>) =>
    JSON.stringify(
      Object.entries(r)
        .map(([c, v]) => [c, new Decimal(v).toFixed()])
        .sort(),
    );
  return a.base === b.base && (!b.asOf || a.asOf === b.asOf.toISOString()) && rates(a.rates) === rates(b.rates);
}

/**
 * Stores a snapshot and announces it to every store (`rates.updated`: the whole snapshot,
 * and its rates per the store's currency, which is what a terminal prices with) in the
 * caller's transaction. The same snapshot again (same id, or the same feed
 * publication) is `created: false` and writes nothing; another one under a used id is refused.
 */
export async function storeRatesSnapshot(
  client: pg.PoolClient,
  snapshot: NewRatesSnapshot,
): Promise<{ snapshot: RatesSnapshot; created: boolean }> {
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO exchange_rate_snapshots (id, base, as_of, source, source_url)
     VALUES ($1, $2, coalesce($3, now()), $4, $5)
     ON CONFLICT DO NOTHING RETURNING id`,
    [snapshot.id, snapshot.base, snapshot.asOf ?? null, snapshot.source, snapshot.sourceUrl],
  );
  if (inserted.rowCount === 0) {
    const existing =
      (await getRatesSnapshot(client, snapshot.id)) ??
      (snapshot.source === 'feed' ? await feedPublication(client, snapshot) : undefined);
    if (!existing) throw new Error(`rates snapshot ${snapshot.id} conflicts but cannot be found`);
    if (existing.id === snapshot.id && !sameContent(existing, snapshot)) {
      throw new AppError(
        409,
        'CONFLICT',
        `Rates snapshot ${snapshot.id} exists with other rates; snapshots never change`,
        {
          id: snapshot.id,
        },
      );
    }
    return { snapshot: existing, created: false };
  }
  const currencies = Object.keys(snapshot.rates);
  await client.query(
    `INSERT INTO exchange_rates (snapshot_id, currency, rate) SELECT $1, * FROM unnest($2::text[], $3::numeric[])`,
    [snapshot.id, currencies, currencies.map((c) => snapshot.rates[c])],
  );
  const stored = await getRatesSnapshot(client, snapshot.id);
  if (!stored) throw new Error(`rates snapshot ${snapshot.id} vanished during its write`);
  const stores = await client.query<{ id: string; currency: string }>('SELECT id, currency FROM stores ORDER BY id');
  await appendEvents(
    client,
    stores.rows.map((s) => ({
      storeId: s.id,
      type: 'rates.updated',
      payload: { snapshot: stored, storeCurrency: s.currency, storeRates: ratesPer(stored, s.currency) ?? null },
    })),
  );
  return { snapshot: stored, created: true };
}

async function feedPublication(client: pg.PoolClient, snapshot: NewRatesSnapshot) {
  const { rows } = await client.query<{ id: string }>(
    `SELECT id FROM exchange_rate_snapshots WHERE source = 'feed' AND source_url = $1 AND base = $2 AND as_of = $3`,
    [snapshot.sourceUrl, snapshot.base, snapshot.asOf],
  );
  return rows[0] ? getRatesSnapshot(client, rows[0].id) : undefined;
}

/** The rate a cart in `currency` is priced with now, and the snapshot it comes from. */
export interface CurrentRate {
  currency: string;
  /** Units of `currency` per one unit of `base`. */
  rate: string;
  base: string;
  snapshotId: string;
  asOf: string;
  receivedAt: string;
}

/**
 * For every currency some snapshot converts `base` into, the rate from the newest such
 * snapshot: the same choice `latestConvertingSnapshotSql` makes for one cart, for all
 * currencies at once (a terminal keeps these to price offline).
 */
export async function currentRatesFrom(db: pg.Pool | pg.PoolClient, base: string): Promise<CurrentRate[]> {
  const { rows } = await db.query<{ currency: string; snapshot_id: string }>(
    `SELECT DISTINCT ON (c.currency) c.currency, s.id AS snapshot_id
     FROM exchange_rate_snapshots s
     CROSS JOIN LATERAL (SELECT r.currency FROM exchange_rates r WHERE r.snapshot_id = s.id UNION SELECT s.base) c
     WHERE c.currency <> $1
       AND (s.base = $1 OR EXISTS (SELECT 1 FROM exchange_rates x WHERE x.snapshot_id = s.id AND x.currency = $1))
     ORDER BY c.currency, s.as_of DESC, s.received_at DESC`,
    [base],
  );
  const snapshots = new Map<string, RatesSnapshot>();
  for (const id of new Set(rows.map((r) => r.snapshot_id))) {
    const snapshot = await getRatesSnapshot(db, id);
    if (snapshot) snapshots.set(id, snapshot);
  }
  return rows.flatMap((row) => {
    const snapshot = snapshots.get(row.snapshot_id);
    const rate = snapshot ? ratesPer(snapshot, base)?.[row.currency] : undefined;
    if (!snapshot || !rate) return [];
    return [
      {
        currency: row.currency,
        rate,
        base,
        snapshotId: snapshot.id,
        asOf: snapshot.asOf,
        receivedAt: snapshot.receivedAt,
      },
    ];
  });
}
