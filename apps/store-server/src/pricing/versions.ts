import type pg from 'pg';

/**
 * The pricing version of a store names one consistent set of its rules, campaigns, price
 * lists and base prices. A change bumps it in its own transaction (which also locks the
 * store's row, so pricing writes of one store apply one after another), and every priced
 * cart says which version priced it.
 */
export async function bumpPricingVersion(client: pg.PoolClient, storeId: string): Promise<number> {
  const versions = await bumpPricingVersions(client, [storeId]);
  return versions.get(storeId) ?? 0;
}

export async function bumpPricingVersions(client: pg.PoolClient, storeIds: string[]): Promise<Map<string, number>> {
  const { rows } = await client.query<{ store_id: string; version: string }>(
    `INSERT INTO pricing_versions AS v (store_id, version)
     SELECT id, 1 FROM unnest($1::text[]) AS s(id) ORDER BY id
     ON CONFLICT (store_id) DO UPDATE SET version = v.version + 1, changed_at = now()
     RETURNING store_id, version::text`,
    [storeIds],
  );
  return new Map(rows.map((r) => [r.store_id, Number(r.version)]));
}

export async function currentPricingVersion(db: pg.Pool | pg.PoolClient, storeId: string): Promise<number> {
  const { rows } = await db.query<{ version: string }>(
    'SELECT version::text FROM pricing_versions WHERE store_id = $1',
    [storeId],
  );
  return Number(rows[0]?.version ?? 0);
}

/**
 * Every pricing write of a store starts here: it takes the store's version row first, so
 * writes of one store queue up in one order (no deadlocks between batches touching the
 * same rules in different orders) and bump the version only if they change something.
 */
export async function lockPricing(client: pg.PoolClient, storeId: string): Promise<void> {
  await client.query(`INSERT INTO pricing_versions (store_id) VALUES ($1) ON CONFLICT (store_id) DO NOTHING`, [
    storeId,
  ]);
  await client.query('SELECT 1 FROM pricing_versions WHERE store_id = $1 FOR UPDATE', [storeId]);
}
