import type { StoreSettings } from '@till/sync';
import type pg from 'pg';
import { appendEvents } from '../db/events';
import { inTransaction } from '../db/pool';
import { notFound } from '../errors';
import { applyPricingChange } from '../pricing/pricing-change';

/**
 * A store as its clients need it: name, currency, time zone, tax mode and how discounts
 * stack. A change is written with a `store.updated` event (the whole store) in the same
 * transaction; a change that moves prices (zone, tax mode, stacking) is a pricing change
 * too: it bumps the store's pricing version, so a sale priced before it names an older
 * rules snapshot.
 */

export type { Stacking, StoreSettings } from '@till/sync';

export type StorePatch = Partial<Pick<StoreSettings, 'name' | 'timeZone' | 'taxIncluded' | 'stacking'>>;

interface StoreRow {
  id: string;
  name: string;
  currency: string;
  time_zone: string;
  tax_included: boolean;
  settings: Record<string, unknown>;
}

export function toStoreSettings(row: StoreRow): StoreSettings {
  const stacking = (row.settings.pricing as { stacking?: unknown } | undefined)?.stacking;
  return {
    id: row.id,
    name: row.name,
    currency: row.currency.trim(),
    timeZone: row.time_zone,
    taxIncluded: row.tax_included,
    stacking: stacking === 'acrossPriorities' ? 'acrossPriorities' : 'withinPriority',
  };
}

const COLUMNS = 'id, name, currency, time_zone, tax_included, settings';

export async function readStores(db: pg.Pool | pg.PoolClient, storeId?: string): Promise<StoreSettings[]> {
  const { rows } = storeId
    ? await db.query<StoreRow>(`SELECT ${COLUMNS} FROM stores WHERE id = $1`, [storeId])
    : await db.query<StoreRow>(`SELECT ${COLUMNS} FROM stores ORDER BY id`);
  return rows.map(toStoreSettings);
}

const PRICING_FIELDS = ['timeZone', 'taxIncluded', 'stacking'] as const;

/** Applies `patch`; writes nothing (no event, no new version) when it changes nothing. */
export async function updateStore(
  pool: pg.Pool,
  storeId: string,
  patch: StorePatch,
): Promise<{ store: StoreSettings; changed: boolean }> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<StoreRow>(`SELECT ${COLUMNS} FROM stores WHERE id = $1 FOR NO KEY UPDATE`, [
      storeId,
    ]);
    const row = rows[0];
    if (!row) throw notFound(`Store ${storeId}`, { storeId });
    const before = toStoreSettings(row);
    const after: StoreSettings = { ...before, ...patch };
    const changed = (Object.keys(patch) as (keyof StorePatch)[]).filter((k) => after[k] !== before[k]);
    if (changed.length === 0) return { store: before, changed: false };
    const write = async () => {
      await client.query(
        `UPDATE stores SET name = $2, time_zone = $3, tax_included = $4,
           settings = jsonb_set(settings, '{pricing}', coalesce(settings->'pricing', '{}'::jsonb) || jsonb_build_object('stacking', $5::text))
         WHERE id = $1`,
        [storeId, after.name, after.timeZone, after.taxIncluded, after.stacking],
      );
    };
    if (changed.some((k) => (PRICING_FIELDS as readonly string[]).includes(k))) {
      await applyPricingChange(client, [storeId], async (emit) => {
        await write();
        emit(storeId, 'store.updated', { store: after });
      });
    } else {
      await write();
      await appendEvents(client, [{ storeId, type: 'store.updated', payload: { store: after } }]);
    }
    return { store: after, changed: true };
  });
}
