import type { Cluster, Redis } from 'ioredis';
import { encodeLocation, type HoldLocation, type StockKeys } from './keys';

/**
 * The sweeper's index of buckets with holds to expire: per shard (`due:{sN}`), a sorted set of
 * buckets ("store\tsku\tbucket") scored by a time at or before their first hold's expiry.
 *
 * One member per bucket, not per hold: a grant only ever lowers its bucket's score (ZADD LT),
 * so the holds answered in one turn of the event loop cost one ZADD per shard with one member
 * per bucket, and nothing when a hold ends. A score may be early (the hold was extended or
 * ended): the sweeper then finds nothing due and sets the bucket's real next expiry (`sweep`).
 * Expiries are queued on the client before control goes back to the event loop, so they reach
 * Redis before any command this server issues for a later request.
 */
export class DueIndex {
  private gathered = new Map<string, { shard: number; at: number }>();
  private scheduled = false;
  private readonly sendGathered = () => this.flush();

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: StockKeys,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** A hold of `loc` expires at `expiresAt`: the bucket is swept by then. */
  set(loc: HoldLocation, expiresAt: number): void {
    const member = encodeLocation(loc);
    const known = this.gathered.get(member);
    if (known) {
      if (expiresAt < known.at) known.at = expiresAt;
    } else {
      this.gathered.set(member, { shard: this.keys.dueShardOf(member), at: expiresAt });
    }
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.sendGathered);
    }
  }

  /** Sends what was gathered now. */
  flush(): void {
    this.scheduled = false;
    if (this.gathered.size === 0) return;
    const byShard = new Map<number, Array<string | number>>();
    for (const [member, { shard, at }] of this.gathered) {
      const args = byShard.get(shard) ?? [];
      args.push(at, member);
      byShard.set(shard, args);
    }
    this.gathered = new Map();
    for (const [shard, args] of byShard) this.redis.zadd(this.keys.due(shard), 'LT', ...args).catch(this.onError);
  }

  /** Buckets of `shard` due by `now` (at most `max`), each with its members as stored. */
  async due(shard: number, now: number, max: number): Promise<Map<string, { loc: HoldLocation; members: string[] }>> {
    const members = await this.redis.zrangebyscore(this.keys.due(shard), '-inf', now, 'LIMIT', 0, max);
    const buckets = new Map<string, { loc: HoldLocation; members: string[] }>();
    for (const member of members) {
      // Indexes written before buckets were indexed name a hold after its bucket: same bucket.
      const [storeId, sku, bucket] = member.split('\t');
      if (!storeId || !sku || !bucket) continue;
      const loc = { storeId, sku, bucket: Number(bucket) };
      const key = encodeLocation(loc);
      const entry = buckets.get(key) ?? { loc, members: [] };
      entry.members.push(member);
      buckets.set(key, entry);
    }
    return buckets;
  }

  /**
   * Sweeps one due bucket: its members leave the index, then `expire` runs on the bucket and
   * says when its first remaining hold expires, which goes back in (ZADD LT). A grant's own
   * ZADD LT either comes after the removal, or its hold is seen by `expire`: none is missed.
   */
  async sweep<T extends { next?: number }>(
    shard: number,
    loc: HoldLocation,
    members: string[],
    expire: () => Promise<T>,
  ): Promise<T> {
    const key = this.keys.due(shard);
    const member = encodeLocation(loc);
    await this.redis.zrem(key, ...members);
    let reply: T;
    try {
      reply = await expire();
    } catch (error) {
      // Still due: the next sweep tries again.
      await this.redis.zadd(key, 'LT', 0, member).catch(() => {});
      throw error;
    }
    if (reply.next && reply.next > 0) await this.redis.zadd(key, 'LT', reply.next, member);
    return reply;
  }
}
