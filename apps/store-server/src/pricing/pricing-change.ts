import type pg from 'pg';
import { appendEvents } from '../db/events';
import { bumpPricingVersions, lockPricing } from './versions';

export type EmitPricingEvent = (storeId: string, type: string, payload: Record<string, unknown>) => void;

/**
 * Runs one change of pricing data (rules, campaigns, price lists, base prices) inside the
 * caller's transaction: it takes the stores' pricing rows first (so writes of a store queue
 * up in one order), lets `change` write and announce what it changed, then — only if
 * something changed — bumps each touched store's pricing version once and appends the
 * events, each carrying the version it produced. A change that alters nothing writes
 * nothing: no new version, no event.
 */
export async function applyPricingChange<T>(
  client: pg.PoolClient,
  storeIds: readonly string[],
  change: (emit: EmitPricingEvent) => Promise<T>,
): Promise<{ result: T; versions: Map<string, number> }> {
  const stores = [...new Set(storeIds)].sort();
  for (const storeId of stores) await lockPricing(client, storeId);
  const pending: Array<{ storeId: string; type: string; payload: Record<string, unknown> }> = [];
  const result = await change((storeId, type, payload) => {
    if (!stores.includes(storeId)) throw new Error(`pricing event for store ${storeId} outside this change`);
    pending.push({ storeId, type, payload });
  });
  const touched = [...new Set(pending.map((e) => e.storeId))];
  const bumped = touched.length > 0 ? await bumpPricingVersions(client, touched) : new Map<string, number>();
  if (pending.length > 0) {
    await appendEvents(
      client,
      pending.map((e) => ({ ...e, payload: { ...e.payload, pricingVersion: bumped.get(e.storeId) } })),
    );
  }
  const versions = new Map<string, number>();
  const { rows } = await client.query<{ store_id: string; version: string }>(
    'SELECT store_id, version::text FROM pricing_versions WHERE store_id = ANY($1::text[])',
    [stores],
  );
  for (const r of rows) versions.set(r.store_id, Number(r.version));
  return { result, versions };
}
