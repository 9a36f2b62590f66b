import type { Cluster, Redis } from 'ioredis';
import type { HoldLocation, StockKeys } from './keys';

/**
 * The sweeper's index of hold expiries: per shard (`due:{sN}`), a sorted set of
 * "store\tsku\tbucket\tholdId" by expiry.
 *
 * Expiries set while answering holds are gathered and sent at the end of the tick, one ZADD
 * per shard: in a flash sale one command for a whole round of holds instead of one per hold.
 * They are queued on the client before control goes back to the event loop, so they reach
 * Redis before any command this server issues for a later request; a removal sends what is
 * gathered first, so an index entry is never re-added after its hold was forgotten.
 */
export class DueIndex {
  private gathered = new Map<number, Array<string | number>>();
  private scheduled = false;
  private readonly sendGathered = () => this.flush();

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: StockKeys,
    private readonly onError: (error: unknown) => void,
  ) {}

  static member(loc: HoldLocation, holdId: string): string {
    return `${loc.storeId}\t${loc.sku}\t${loc.bucket}\t${holdId}`;
  }

  /** Sets when a hold expires (it is swept from then on). */
  set(loc: HoldLocation, holdId: string, expiresAt: number): void {
    const shard = this.keys.dueShardOf(holdId);
    let args = this.gathered.get(shard);
    if (!args) {
      args = [];
      this.gathered.set(shard, args);
    }
    args.push(expiresAt, DueIndex.member(loc, holdId));
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.sendGathered);
    }
  }

  remove(loc: HoldLocation, holdId: string): Promise<unknown> {
    this.flush();
    return this.redis.zrem(this.keys.due(this.keys.dueShardOf(holdId)), DueIndex.member(loc, holdId));
  }

  /** Sends what was gathered now. */
  flush(): void {
    this.scheduled = false;
    if (this.gathered.size === 0) return;
    const gathered = this.gathered;
    this.gathered = new Map();
    for (const [shard, args] of gathered) {
      this.redis.zadd(this.keys.due(shard), ...args).catch(this.onError);
    }
  }
}
