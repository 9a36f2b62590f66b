import type { Cluster, Redis } from 'ioredis';
import { decodeLocation, encodeLocation, type HoldLocation, type StockKeys } from './keys';
import { LOCATION_TTL_MS } from './loader';

const SET_MANY = 'till_set_locations';
/** KEYS: location keys; ARGV: time to live (ms), then one location per key. */
const SET_MANY_LUA = `for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ARGV[1]) end
return #KEYS`;

type SetMany = (numberOfKeys: number, ...keysThenArgs: Array<string | number>) => Promise<number>;

/**
 * Where each hold lives (`loc:{holdId}` -> "store\tsku\tbucket", kept LOCATION_TTL_MS), for
 * the routes that name a hold and for the sweeper.
 *
 * Locations set while answering holds are gathered and written at the end of the tick: on
 * one Redis, one script call for all of them; on a Redis Cluster (every key on a slot of its
 * own), one SET each. They are queued on the client before control goes back to the event
 * loop, so they reach Redis before any command this server issues for a later request, and a
 * read or a removal writes what is gathered first: a hold is found right after its grant, and
 * a location never outlives its hold's removal.
 */
export class HoldLocations {
  private gathered: Array<string> = [];
  private scheduled = false;
  private readonly writeGathered = () => this.flush();
  private readonly setMany: SetMany | undefined;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: StockKeys,
    private readonly onError: (error: unknown) => void,
  ) {
    if (!redis.isCluster) {
      redis.defineCommand(SET_MANY, { lua: SET_MANY_LUA });
      const command = (redis as unknown as Record<string, SetMany>)[SET_MANY];
      this.setMany = command?.bind(redis);
    }
  }

  set(holdId: string, loc: HoldLocation): void {
    this.gathered.push(this.keys.location(holdId), encodeLocation(loc));
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.writeGathered);
    }
  }

  async get(holdId: string): Promise<HoldLocation | undefined> {
    this.flush();
    return decodeLocation(await this.redis.get(this.keys.location(holdId)));
  }

  remove(holdId: string): Promise<unknown> {
    this.flush();
    return this.redis.del(this.keys.location(holdId));
  }

  /** Writes what was gathered now. */
  flush(): void {
    this.scheduled = false;
    if (this.gathered.length === 0) return;
    const pairs = this.gathered;
    this.gathered = [];
    if (this.setMany && pairs.length > 2) {
      const keys: string[] = [];
      const values: string[] = [];
      for (let i = 0; i < pairs.length; i += 2) {
        keys.push(pairs[i] as string);
        values.push(pairs[i + 1] as string);
      }
      this.setMany(keys.length, ...keys, LOCATION_TTL_MS, ...values).catch(this.onError);
      return;
    }
    for (let i = 0; i < pairs.length; i += 2) {
      this.redis.set(pairs[i] as string, pairs[i + 1] as string, 'PX', LOCATION_TTL_MS).catch(this.onError);
    }
  }
}
