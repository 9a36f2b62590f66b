import { fnv1a } from '../spread';
/**
 * The Redis key layout of the stock authority. A SKU's stock in a store is split into one or
 * more buckets; each bucket is four keys sharing the hash tag `{store:sku:bN}` (so a hot SKU's
 * buckets can live on different Redis Cluster slots, and a script on one bucket is atomic):
 *   <prefix>inv:{store:sku:bN}      state: free units, per-holder limit, last PostgreSQL version
 *   <prefix>holds:{store:sku:bN}    hold id -> hold
 *   <prefix>holders:{store:sku:bN}  holder -> hold id
 *   <prefix>exp:{store:sku:bN}      hold ids by expiry
 * Beside them: where each hold lives (`loc:{holdId}`), the sweeper's index of buckets with holds
 * to expire (`due:{sN}`, 16 shards), and the marker that the state was loaded from PostgreSQL
 * (`loaded`).
 */
export class StockKeys {
  static readonly DUE_SHARDS = 16;
  /** The hot path asks for the same few buckets again and again: their names are kept. */
  private readonly buckets = new Map<string, readonly [string, string, string, string]>();

  constructor(readonly prefix: string) {}

  bucket(storeId: string, sku: string, bucket: number): readonly [string, string, string, string] {
    const tag = `{${storeId}:${sku}:b${bucket}}`;
    let keys = this.buckets.get(tag);
    if (!keys) {
      const p = this.prefix;
      keys = [`${p}inv:${tag}`, `${p}holds:${tag}`, `${p}holders:${tag}`, `${p}exp:${tag}`];
      if (this.buckets.size >= 50_000) this.buckets.clear();
      this.buckets.set(tag, keys);
    }
    return keys;
  }

  location(holdId: string): string {
    return `${this.prefix}loc:{${holdId}}`;
  }

  due(shard: number): string {
    return `${this.prefix}due:{s${shard}}`;
  }

  /** The due shard of a bucket, by its member ("store\tsku\tbucket"). */
  dueShardOf(member: string): number {
    return fnv1a(member) % StockKeys.DUE_SHARDS;
  }

  /** Present (with the id of the load) while Redis holds the state loaded from PostgreSQL. */
  get loaded(): string {
    return `${this.prefix}loaded`;
  }

  get rebuildLock(): string {
    return `${this.prefix}rebuilding`;
  }
}

/** The bucket a holder's hold lives in: the same for every request of that holder. */
export function homeBucket(holderId: string, buckets: number): number {
  return buckets <= 1 ? 0 : fnv1a(holderId) % buckets;
}

/** Where a hold lives, as stored under `loc:{holdId}`. */
export interface HoldLocation {
  storeId: string;
  sku: string;
  bucket: number;
}

export const encodeLocation = (l: HoldLocation) => `${l.storeId}\t${l.sku}\t${l.bucket}`;

export function decodeLocation(value: string | null): HoldLocation | undefined {
  if (!value) return undefined;
  const [storeId, sku, bucket] = value.split('\t');
  if (!storeId || !sku || bucket === undefined) return undefined;
  return { storeId, sku, bucket: Number(bucket) };
}
