import type { Cluster, Redis } from 'ioredis';
import type pg from 'pg';
import { encodeLocation, homeBucket, type StockKeys } from './keys';
import type { RunScript } from './scripts';

/** Active holds live at most this long after expiry in the location index. */
export const LOCATION_TTL_MS = 8 * 24 * 60 * 60_000;

export interface SkuState {
  storeId: string;
  sku: string;
  onHand: number;
  version: number;
  maxPerHolder: number | null;
  buckets: number;
  holds: Array<{
    id: string;
    holderId: string;
    cartId: string | null;
    qty: number;
    expiresAt: number;
    createdAt: number;
    bucket: number;
  }>;
}

/** Reads the state of every SKU (or of one) from PostgreSQL, in one consistent snapshot. */
export async function readSkuStates(db: pg.Pool, only?: { storeId: string; sku: string }): Promise<SkuState[]> {
  const client = await db.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const filter = only ? 'WHERE store_id = $1 AND sku = $2' : '';
    const params = only ? [only.storeId, only.sku] : [];
    const levels = await client.query<{
      store_id: string;
      sku: string;
      on_hand: string;
      version: string;
      max_per_holder: number | null;
      buckets: number;
    }>(
      `SELECT store_id, sku, received - sold AS on_hand, version, max_per_holder, buckets FROM stock_levels ${filter}`,
      params,
    );
    const holds = await client.query<{
      id: string;
      store_id: string;
      sku: string;
      holder_id: string;
      cart_id: string | null;
      qty: number;
      expires_at: Date;
      created_at: Date;
      bucket: number;
    }>(
      `SELECT id, store_id, sku, holder_id, cart_id, qty, expires_at, created_at, bucket FROM holds
       WHERE state = 'active' ${only ? 'AND store_id = $1 AND sku = $2' : ''}`,
      params,
    );
    await client.query('COMMIT');
    const states = new Map<string, SkuState>();
    for (const r of levels.rows) {
      states.set(`${r.store_id}\t${r.sku}`, {
        storeId: r.store_id,
        sku: r.sku,
        onHand: Number(r.on_hand),
        version: Number(r.version),
        maxPerHolder: r.max_per_holder,
        buckets: r.buckets,
        holds: [],
      });
    }
    for (const h of holds.rows) {
      states.get(`${h.store_id}\t${h.sku}`)?.holds.push({
        id: h.id,
        holderId: h.holder_id,
        cartId: h.cart_id,
        qty: h.qty,
        expiresAt: h.expires_at.getTime(),
        createdAt: h.created_at.getTime(),
        bucket: h.bucket,
      });
    }
    return [...states.values()];
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Writes one SKU's state into its Redis buckets, unless they are already there: each hold in
 * its bucket, and the free units (on hand minus held) spread evenly, bucket 0 taking the rest
 * (and all of it when on hand is below what is held). Also indexes the holds for the sweeper.
 */
export async function loadSku(redis: Redis | Cluster, keys: StockKeys, run: RunScript, state: SkuState): Promise<void> {
  const n = Math.max(1, state.buckets);
  const perBucket = Array.from({ length: n }, () => [] as SkuState['holds']);
  // A holder's hold always lives in the holder's own bucket (see homeBucket).
  for (const h of state.holds) {
    const b = homeBucket(h.holderId, n);
    perBucket[b]?.push({ ...h, bucket: b });
  }
  const held = state.holds.reduce((sum, h) => sum + h.qty, 0);
  const free = state.onHand - held;
  const share = free > 0 ? Math.floor(free / n) : 0;
  const firstShare = free - share * (n - 1);
  await Promise.all(
    perBucket.map(async (holds, b) => {
      const json = JSON.stringify(
        holds.map((h) => ({ id: h.id, h: h.holderId, q: h.qty, e: h.expiresAt, c: h.cartId ?? '', t: h.createdAt })),
      );
      const reply = await run('load', keys.bucket(state.storeId, state.sku, b), [
        b === 0 ? firstShare : share,
        state.maxPerHolder ?? 0,
        state.version,
        json,
        n,
      ]);
      if (reply.s !== 'OK') return;
      const member = encodeLocation({ storeId: state.storeId, sku: state.sku, bucket: b });
      await Promise.all(holds.map((h) => redis.set(keys.location(h.id), member, 'PX', LOCATION_TTL_MS)));
      if (holds.length === 0) return;
      const first = holds.reduce((min, h) => Math.min(min, h.expiresAt), Number.POSITIVE_INFINITY);
      await redis.zadd(keys.due(keys.dueShardOf(member)), 'LT', first, member);
    }),
  );
}
