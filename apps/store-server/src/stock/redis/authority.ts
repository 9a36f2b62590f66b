import type { FastifyBaseLogger } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../../errors';
import type {
  Availability,
  ChangeHoldRequest,
  Clock,
  Hold,
  HoldResult,
  ReadyState,
  RefusalCode,
  SetHoldRequest,
  StockAuthority,
  TransferResult,
} from '../authority';
import { loadAvailability, loadHold, loadHoldsOf } from '../queries';
import { describeRefusal } from '../refusals';
import { type StockSettings, StockSettingsCache } from '../settings';
import { DecisionBatches } from './decision-batches';
import { DueIndex } from './due-index';
import { newHoldId } from './hold-ids';
import { HoldLocations } from './hold-locations';
import { type HoldLocation, homeBucket, StockKeys } from './keys';
import { loadSku, readSkuStates } from './loader';
import { PeerFlush } from './peer-flush';
import { type GrantOp, HoldPersister, type PersistOp } from './persister';
import {
  defineHoldBatches,
  defineScripts,
  list,
  type RunScript,
  type ScriptCut,
  type ScriptHold,
  type ScriptReply,
} from './scripts';

export interface RedisAuthorityOptions {
  db: pg.Pool;
  redis: Redis | Cluster;
  /** Key prefix (REDIS_KEY_PREFIX); tests use a fresh one each. */
  prefix: string;
  logger: FastifyBaseLogger;
  clock?: Clock;
  settingsTtlMs?: number;
  persistIntervalMs?: number;
  /** Hold decisions waiting for PostgreSQL beyond which new holds are refused (503) until they are written. */
  maxPendingDecisions?: number;
  /** Close the Redis client at stop (it was made for this authority). */
  ownsClient?: boolean;
}

type Phase = 'starting' | 'rebuilding' | 'ready';

const SWEEP_BATCH = 500;
/** A hold PostgreSQL still shows as active this long after it expired is looked after from PostgreSQL. */
const STRAGGLER_GRACE_MS = 30_000;
/** A hot SKU's hold retries while units it could use are moving between buckets (others win them meanwhile). */
const MAX_ATTEMPTS = 50;
/** How long a checkout waits at most for PostgreSQL to show holds another instance decided. */
const SETTLE_MS = 1_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MOVABLE: ReadonlySet<string> = new Set(['SOLD_OUT', 'HELD_BY_OTHERS', 'ALREADY_HOLDS_LAST', 'NOT_ENOUGH']);

const unavailable = (why: string) =>
  new AppError(503, 'STOCK_UNAVAILABLE', `Stock cannot be held right now (${why}); try again in a moment`);

/**
 * Redis mode: each hold is decided by one Lua script on one bucket of the SKU (scripts/*.lua).
 * Decisions are written to PostgreSQL behind the hot path (HoldPersister); changes made in
 * PostgreSQL (checkouts, adjustments, offline sales) come back through stock_authority_feed.
 * When Redis comes back empty, the state is rebuilt from PostgreSQL before holds are served
 * again, and readiness says not ready meanwhile.
 */
export class RedisStockAuthority implements StockAuthority {
  readonly mode = 'redis' as const;
  private readonly db: pg.Pool;
  private readonly redis: Redis | Cluster;
  private readonly keys: StockKeys;
  private readonly clock: Clock;
  private readonly log: FastifyBaseLogger;
  private readonly settings: StockSettingsCache;
  private readonly persister: HoldPersister;
  private readonly peers: PeerFlush;
  private readonly due: DueIndex;
  private readonly locations: HoldLocations;
  private readonly batches: DecisionBatches;
  private readonly run: RunScript;
  /** Buckets per SKU ("store\tsku" -> n), read from Redis once per load of the state. */
  private readonly bucketCounts = new Map<string, number>();
  private phase: Phase = 'starting';
  private loadId: string | undefined;
  private rebuilding: Promise<void> | undefined;
  private lastFailure = 'starting';

  constructor(private readonly options: RedisAuthorityOptions) {
    this.db = options.db;
    this.redis = options.redis;
    this.keys = new StockKeys(options.prefix);
    this.clock = options.clock ?? Date.now;
    this.log = options.logger;
    this.settings = new StockSettingsCache(this.db, this.clock, options.settingsTtlMs);
    this.run = defineScripts(this.redis, 'till');
    this.due = new DueIndex(this.redis, this.keys, this.indexFailed);
    this.locations = new HoldLocations(this.redis, this.keys, this.indexFailed);
    this.batches = new DecisionBatches(defineHoldBatches(this.redis));
    this.persister = new HoldPersister({
      db: this.db,
      clock: this.clock,
      logger: this.log,
      intervalMs: options.persistIntervalMs,
      maxPending: options.maxPendingDecisions,
      onVoid: (grants) => this.voidHolds(grants),
    });
    this.peers = new PeerFlush({
      redis: this.redis,
      prefix: options.prefix,
      flushLocal: () => this.persister.flush(),
      onError: (error, what) => this.log.warn({ err: error }, what),
    });
    this.redis.on('ready', () => void this.ensureLoaded().catch(() => {}));
  }

  // ---- life cycle -------------------------------------------------------------------------

  async start(): Promise<void> {
    this.peers.start();
    if (this.redis.status === 'wait') {
      // Not reachable yet: start anyway (not ready); the client keeps trying and 'ready' loads the state.
      const connecting = this.redis.connect().catch(() => {});
      await Promise.race([connecting, new Promise((r) => setTimeout(r, 5_000).unref())]);
    }
    await this.ensureLoaded().catch((error) => this.log.warn({ err: error }, 'stock state not loaded yet'));
  }

  async stop(): Promise<void> {
    await this.rebuilding?.catch(() => {});
    await this.peers.stop();
    await this.persister.stop();
    if (this.options.ownsClient) this.redis.disconnect();
  }

  async readiness(): Promise<ReadyState> {
    if (this.redis.status !== 'ready') return { ok: false, reason: `Redis is ${this.redis.status}` };
    if (this.phase === 'rebuilding') return { ok: false, reason: 'rebuilding the stock state from PostgreSQL' };
    if (this.phase !== 'ready') return { ok: false, reason: this.lastFailure };
    return { ok: true };
  }

  /**
   * Makes sure Redis holds the state loaded from PostgreSQL; rebuilds it when Redis came back
   * empty (the `loaded` marker is gone). Called at start, on reconnect and by every sweep.
   */
  private async ensureLoaded(): Promise<void> {
    if (this.rebuilding) return this.rebuilding;
    const loadId = await this.redis.get(this.keys.loaded);
    if (loadId && this.phase === 'ready' && loadId === this.loadId) return;
    if (loadId) {
      if (loadId !== this.loadId) this.bucketCounts.clear();
      this.loadId = loadId;
      this.phase = 'ready';
      return;
    }
    this.rebuilding = this.rebuild().finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  private async rebuild(): Promise<void> {
    this.phase = 'rebuilding';
    const started = Date.now();
    try {
      const lockId = uuidv7();
      const locked = await this.redis.set(this.keys.rebuildLock, lockId, 'PX', 120_000, 'NX');
      if (!locked) {
        // Another server is rebuilding: wait for its marker.
        for (let i = 0; i < 600; i++) {
          const loadId = await this.redis.get(this.keys.loaded);
          if (loadId) {
            this.bucketCounts.clear();
            this.loadId = loadId;
            this.phase = 'ready';
            return;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error('another server did not finish rebuilding the stock state');
      }
      // Decisions already made (on the Redis that is gone), here and on the other instances,
      // belong in PostgreSQL first.
      await this.peers.beforeRebuild();
      const states = await readSkuStates(this.db);
      this.bucketCounts.clear();
      const CONCURRENCY = 64;
      for (let i = 0; i < states.length; i += CONCURRENCY) {
        await Promise.all(states.slice(i, i + CONCURRENCY).map((s) => loadSku(this.redis, this.keys, this.run, s)));
      }
      const loadId = uuidv7();
      await this.redis.set(this.keys.loaded, loadId);
      await this.redis.del(this.keys.rebuildLock);
      this.loadId = loadId;
      this.phase = 'ready';
      this.log.info({ skus: states.length, ms: Date.now() - started }, 'stock state rebuilt in Redis from PostgreSQL');
    } catch (error) {
      this.phase = 'starting';
      this.lastFailure = `rebuild failed: ${(error as Error).message}`;
      throw error;
    }
  }

  /** A SKU whose buckets are missing while the state is loaded (a new stock row): load it now. */
  private async loadOne(storeId: string, sku: string): Promise<boolean> {
    await this.ensureLoaded();
    if (this.phase !== 'ready') throw unavailable('the stock state is being rebuilt');
    let [state] = await readSkuStates(this.db, { storeId, sku });
    if (!state) {
      const created = await this.db.query(
        `INSERT INTO stock_levels (store_id, sku)
         SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM products WHERE sku = $2) AND EXISTS (SELECT 1 FROM stores WHERE id = $1)
         ON CONFLICT DO NOTHING`,
        [storeId, sku],
      );
      [state] = await readSkuStates(this.db, { storeId, sku });
      if (!state && created.rowCount === 0) return false;
    }
    if (!state) return false;
    await loadSku(this.redis, this.keys, this.run, state);
    this.bucketCounts.delete(`${storeId}\t${sku}`);
    return true;
  }

  // ---- helpers ----------------------------------------------------------------------------

  private async script(name: Parameters<RunScript>[0], loc: HoldLocation, args: Array<string | number>) {
    try {
      return await this.run(name, this.keys.bucket(loc.storeId, loc.sku, loc.bucket), args);
    } catch (error) {
      throw unavailable((error as Error).message);
    }
  }

  private async settingsOf(storeId: string): Promise<StockSettings> {
    return (
      (await this.settings.get(storeId)) ?? { holdMs: 15 * 60_000, paymentExtensionMs: 10 * 60_000, maxPerHolder: null }
    );
  }

  /** How many buckets a SKU has (undefined: not loaded into Redis). */
  private async bucketCount(storeId: string, sku: string): Promise<number | undefined> {
    const key = `${storeId}\t${sku}`;
    const known = this.bucketCounts.get(key);
    if (known) return known;
    let raw: string | null;
    try {
      raw = await this.redis.hget(this.keys.bucket(storeId, sku, 0)[0], 'n');
    } catch (error) {
      throw unavailable((error as Error).message);
    }
    if (raw === null) return undefined;
    const n = Math.max(1, Number(raw) || 1);
    if (this.bucketCounts.size > 100_000) this.bucketCounts.clear();
    this.bucketCounts.set(key, n);
    return n;
  }

  /** Buckets of a SKU, loading it when it is not in Redis yet; undefined for an unknown SKU. */
  private async bucketsOf(storeId: string, sku: string): Promise<number | undefined> {
    const n = await this.bucketCount(storeId, sku);
    if (n !== undefined) return n;
    if (!(await this.loadOne(storeId, sku))) return undefined;
    return this.bucketCount(storeId, sku);
  }

  private async locate(holdId: string): Promise<HoldLocation | undefined> {
    try {
      return await this.locations.get(holdId);
    } catch (error) {
      throw unavailable((error as Error).message);
    }
  }

  private holdOf(
    loc: HoldLocation,
    h: ScriptHold,
    state: Hold['state'] = 'active',
    reason: string | null = null,
  ): Hold {
    return {
      holdId: h.id,
      storeId: loc.storeId,
      sku: loc.sku,
      holderId: h.h,
      cartId: h.c || null,
      qty: h.q,
      state,
      expiresAt: h.e,
      reason,
      orderId: null,
    };
  }

  /** Holds a script expired on its way: recorded, and removed from the indexes. */
  private recordExpired(loc: HoldLocation, expired: ScriptHold[]) {
    if (expired.length === 0) return;
    const at = this.clock();
    this.persister.push(
      ...expired.map(
        (h): PersistOp => ({
          op: 'end',
          holdId: h.id,
          storeId: loc.storeId,
          sku: loc.sku,
          state: 'expired',
          reason: 'The hold expired',
          at,
        }),
      ),
    );
    for (const h of expired) void this.forget(h.id);
  }

  /** A hold that ended leaves the location index (its bucket's due entry is swept in time). */
  private async forget(holdId: string) {
    await this.locations.remove(holdId).catch(() => {});
  }

  /**
   * Where a hold lives and when it expires, for the routes that name it and for the sweeper.
   * Not awaited: these go out on the same connection(s) before any later command of this
   * server, so a change or release of the hold right after the answer still finds it.
   */
  private index(loc: HoldLocation, hold: ScriptHold, created: boolean) {
    this.due.set(loc, hold.e);
    if (created) this.locations.set(hold.id, loc);
  }

  private readonly indexFailed = (error: unknown) => this.log.warn({ err: error }, 'hold index not written');

  private cutsToOps(loc: HoldLocation, cuts: ScriptCut[], reason: string): PersistOp[] {
    const at = this.clock();
    return cuts.map((c): PersistOp => {
      if (c.left > 0) {
        return {
          op: 'set',
          holdId: c.id,
          storeId: loc.storeId,
          sku: loc.sku,
          qty: c.left,
          prev: c.left + c.taken,
          expiresAt: c.e,
          cartId: c.c,
          at,
        };
      }
      void this.forget(c.id);
      return { op: 'end', holdId: c.id, storeId: loc.storeId, sku: loc.sku, state: 'cut', reason, at };
    });
  }

  /** A hold as PostgreSQL knows it, after every decision made here reached it. */
  private async fromPostgres(storeId: string, holdId: string): Promise<Hold | undefined> {
    await this.persister.flush();
    return loadHold(this.db, storeId, holdId);
  }

  /** The refusal for a hold Redis does not have: expired, ended (with why), or unknown. */
  private async missingHold(storeId: string, holdId: string): Promise<HoldResult> {
    const hold = await this.fromPostgres(storeId, holdId);
    if (hold?.state === 'expired' || (hold?.state === 'active' && hold.expiresAt <= this.clock())) {
      return {
        ok: false,
        refusal: describeRefusal({
          code: 'HOLD_EXPIRED',
          holdId,
          sku: hold.sku,
          expiredAt: new Date(hold.expiresAt).toISOString(),
        }),
      };
    }
    const refusal = describeRefusal({ code: 'NO_HOLD', holdId, sku: hold?.sku });
    return {
      ok: false,
      refusal: hold?.reason ? { ...refusal, message: `${refusal.message}: ${hold.reason}` } : refusal,
    };
  }

  // ---- decisions --------------------------------------------------------------------------

  /** Decisions are written to PostgreSQL behind the hot path; when it falls far behind, holds wait for it. */
  private refuseWhileBacklogged() {
    if (this.persister.full) throw unavailable('hold decisions are waiting to be written to PostgreSQL');
  }

  async setHold(request: SetHoldRequest): Promise<HoldResult> {
    this.refuseWhileBacklogged();
    const { storeId, sku, holderId, qty } = request;
    const s = await this.settingsOf(storeId);
    const n = await this.bucketsOf(storeId, sku);
    if (n === undefined) return { ok: false, refusal: describeRefusal({ code: 'UNKNOWN_SKU', sku }) };
    const loc = { storeId, sku, bucket: homeBucket(holderId, n) };
    return this.decide(loc, n, s, holderId, qty, request.cartId ?? '', '');
  }

  async changeHold(request: ChangeHoldRequest): Promise<HoldResult> {
    this.refuseWhileBacklogged();
    const loc = await this.locate(request.holdId);
    if (!loc || loc.storeId !== request.storeId) return this.missingHold(request.storeId, request.holdId);
    const s = await this.settingsOf(request.storeId);
    const n = (await this.bucketCount(loc.storeId, loc.sku)) ?? 1;
    return this.decide(loc, n, s, '', request.qty, '', request.holdId);
  }

  /** Runs hold_set on the holder's bucket; for a hot SKU, draws units from its other buckets first when needed. */
  private async decide(
    loc: HoldLocation,
    n: number,
    s: StockSettings,
    holderId: string,
    qty: number,
    cartId: string,
    onlyHoldId: string,
    options: { newId?: string; persist?: boolean } = {},
  ): Promise<HoldResult> {
    const newId = options.newId ?? newHoldId();
    let brought = 0;
    for (let attempt = 0; ; attempt++) {
      const now = this.clock();
      let reply: ScriptReply;
      const args = [holderId, qty, now, s.holdMs, cartId, newId, s.maxPerHolder ?? 0, onlyHoldId, brought];
      try {
        // With the other decisions on this bucket of the moment (one call for all). Every try
        // goes this way, so that the answers of one bucket are taken in the order Redis gave them.
        reply = await this.batches
          .decide(this.keys.bucket(loc.storeId, loc.sku, loc.bucket), args)
          .catch((error: Error) => {
            throw unavailable(error.message);
          });
      } catch (error) {
        if (brought > 0)
          this.log.warn(
            { sku: loc.sku, units: brought },
            'units in transit between buckets lost until the next rebuild',
          );
        throw error;
      }
      if (reply.s === 'NOT_LOADED') {
        if (attempt > 2 || !(await this.loadOne(loc.storeId, loc.sku))) {
          throw unavailable('the stock state is being rebuilt');
        }
        continue;
      }
      brought = 0;
      this.recordExpired(loc, list(reply.x));
      if (reply.s === 'OK' && reply.hold) return this.granted(loc, reply, now, options.persist ?? true);
      const code = (reply.code ?? 'SOLD_OUT') as RefusalCode;
      if (code === 'NO_HOLD' && onlyHoldId) return this.missingHold(loc.storeId, onlyHoldId);
      const movable = n > 1 && MOVABLE.has(code) && attempt < MAX_ATTEMPTS;
      const need = qty - (reply.youHold ?? 0) - Math.max(0, reply.available ?? 0);
      if (movable) {
        // The units move straight into the next decision, so nobody can take them on the way.
        brought = await this.takeFromOthers(loc, n, need);
        if (brought > 0) continue;
      }
      const facts = n > 1 && MOVABLE.has(code) ? await this.facts(loc, n, holderId || undefined, reply) : reply;
      // Units in another bucket's due holds are free again, or others gave some back: try once more.
      if (movable && (facts.available ?? 0) >= need) continue;
      return {
        ok: false,
        refusal: describeRefusal({
          code: (facts.code ?? code) as RefusalCode,
          sku: loc.sku,
          holdId: onlyHoldId || undefined,
          available: facts.available,
          requested: code === 'HOLD_EXPIRED' ? undefined : qty,
          youHold: facts.youHold,
          limit: reply.limit,
          firstExpiresAt: facts.firstExpiresAt ? new Date(facts.firstExpiresAt).toISOString() : undefined,
          expiredAt: reply.expiredAt ? new Date(reply.expiredAt).toISOString() : undefined,
        }),
      };
    }
  }

  private async granted(loc: HoldLocation, reply: ScriptReply, at: number, persist: boolean): Promise<HoldResult> {
    const h = reply.hold as ScriptHold;
    if (!persist) {
      // The caller records it.
    } else if (reply.created) {
      this.persister.push({
        op: 'grant',
        holdId: h.id,
        storeId: loc.storeId,
        sku: loc.sku,
        holderId: h.h,
        cartId: h.c,
        qty: h.q,
        bucket: loc.bucket,
        expiresAt: h.e,
        createdAt: h.t,
        at,
      });
    } else {
      this.persister.push({
        op: 'set',
        holdId: h.id,
        storeId: loc.storeId,
        sku: loc.sku,
        qty: h.q,
        prev: reply.prev,
        expiresAt: h.e,
        cartId: h.c,
        at,
      });
    }
    this.index(loc, h, reply.created === true);
    return { ok: true, created: reply.created === true, hold: this.holdOf(loc, h) };
  }

  /**
   * Takes up to `need` free units (at least one) from the SKU's other buckets. They are in
   * transit (counted nowhere) until the caller adds them to `loc`'s bucket.
   */
  private async takeFromOthers(loc: HoldLocation, n: number, need: number): Promise<number> {
    let wanted = Math.max(1, need);
    let taken = 0;
    for (let k = 1; k < n && wanted > 0; k++) {
      const from = { ...loc, bucket: (loc.bucket + k) % n };
      const took = await this.script('free_move', from, ['take', wanted, this.clock()]);
      this.recordExpired(from, list(took.x));
      taken += took.n ?? 0;
      wanted -= took.n ?? 0;
    }
    return taken;
  }

  /** Moves up to `need` free units from the SKU's other buckets into `loc`'s. */
  private async gather(loc: HoldLocation, n: number, need: number): Promise<number> {
    const taken = await this.takeFromOthers(loc, n, need);
    if (taken > 0) await this.script('free_move', loc, ['put', taken]);
    return taken;
  }

  /** The facts behind a refusal across every bucket of a hot SKU. */
  private async facts(loc: HoldLocation, n: number, holderId: string | undefined, home: ScriptReply) {
    const probes = await Promise.all(
      Array.from({ length: n }, (_, b) => this.script('probe', { ...loc, bucket: b }, [holderId ?? '', this.clock()])),
    );
    probes.forEach((p, b) => {
      this.recordExpired({ ...loc, bucket: b }, list(p.x));
    });
    const available = probes.reduce((sum, p) => sum + Math.max(0, p.free ?? 0), 0);
    const holds = probes.reduce((sum, p) => sum + (p.holds ?? 0), 0);
    const youHold = home.youHold ?? 0;
    const firsts = probes.map((p) => p.firstExpiresAt ?? 0).filter((t) => t > 0);
    const firstExpiresAt = firsts.length > 0 ? Math.min(...firsts) : 0;
    const code: RefusalCode =
      available > 0
        ? 'NOT_ENOUGH'
        : holds > (youHold > 0 ? 1 : 0)
          ? 'HELD_BY_OTHERS'
          : youHold > 0
            ? 'ALREADY_HOLDS_LAST'
            : 'SOLD_OUT';
    return { code, available, youHold, firstExpiresAt };
  }

  async releaseHold(storeId: string, holdId: string): Promise<HoldResult> {
    const loc = await this.locate(holdId);
    if (!loc || loc.storeId !== storeId) return this.endedOrMissing(storeId, holdId);
    const reply = await this.script('hold_end', loc, [holdId, '1']);
    if (reply.s !== 'OK' || !reply.hold) return this.endedOrMissing(storeId, holdId);
    const reason = 'Released by the holder';
    this.persister.push({ op: 'end', holdId, storeId, sku: loc.sku, state: 'released', reason, at: this.clock() });
    await this.forget(holdId);
    return { ok: true, created: false, hold: this.holdOf(loc, reply.hold, 'released', reason) };
  }

  private async endedOrMissing(storeId: string, holdId: string): Promise<HoldResult> {
    const hold = await this.fromPostgres(storeId, holdId);
    if (hold && hold.state !== 'active') return { ok: true, created: false, hold };
    return { ok: false, refusal: describeRefusal({ code: 'NO_HOLD', holdId }) };
  }

  async extendHold(storeId: string, holdId: string, extendMs: number): Promise<HoldResult> {
    const loc = await this.locate(holdId);
    if (!loc || loc.storeId !== storeId) return this.missingHold(storeId, holdId);
    const now = this.clock();
    const reply = await this.script('hold_extend', loc, [holdId, now + extendMs, now]);
    if (reply.s === 'OK' && reply.hold) {
      this.persister.push({ op: 'extend', holdId, storeId, sku: loc.sku, expiresAt: reply.hold.e, at: now });
      this.index(loc, reply.hold, false);
      return { ok: true, created: false, hold: this.holdOf(loc, reply.hold) };
    }
    if (reply.s === 'EXPIRED' && reply.hold) {
      this.recordExpired(loc, [reply.hold]);
      return {
        ok: false,
        refusal: describeRefusal({
          code: 'HOLD_EXPIRED',
          holdId,
          sku: loc.sku,
          expiredAt: new Date(reply.hold.e).toISOString(),
        }),
      };
    }
    return this.missingHold(storeId, holdId);
  }

  async transferHolds(storeId: string, fromHolderId: string, toHolderId: string): Promise<TransferResult> {
    // The guest's holds are read from PostgreSQL: every instance's decisions must be there.
    await this.peers.everywhere();
    const guestHolds = await loadHoldsOf(this.db, storeId, fromHolderId, this.clock());
    const s = await this.settingsOf(storeId);
    const holds: Hold[] = [];
    let releasedUnits = 0;
    for (const g of guestHolds) {
      const from = await this.locate(g.holdId);
      if (!from) continue;
      const n = (await this.bucketCount(storeId, g.sku)) ?? 1;
      const toBucket = homeBucket(toHolderId, n);
      const now = this.clock();
      if (from.bucket === toBucket) {
        const reply = await this.script('transfer', from, [fromHolderId, toHolderId, s.maxPerHolder ?? 0, now]);
        this.recordExpired(from, list(reply.x));
        if (reply.s === 'MOVED' && reply.hold) {
          this.persister.push({
            op: 'transfer',
            holdId: reply.hold.id,
            storeId,
            sku: g.sku,
            holderId: toHolderId,
            fromHolderId,
            at: now,
          });
          holds.push(this.holdOf(from, reply.hold));
        } else if (reply.s === 'MERGED' && reply.hold && reply.gone) {
          this.persister.push(
            {
              op: 'end',
              holdId: reply.gone.id,
              storeId,
              sku: g.sku,
              state: 'released',
              reason: `Merged into hold ${reply.hold.id} at login`,
              at: now,
            },
            {
              op: 'set',
              holdId: reply.hold.id,
              storeId,
              sku: g.sku,
              qty: reply.hold.q,
              prev: reply.hold.q - reply.gone.q + (reply.excess ?? 0),
              expiresAt: reply.hold.e,
              cartId: reply.hold.c,
              at: now,
            },
          );
          await this.forget(reply.gone.id);
          releasedUnits += reply.excess ?? 0;
          holds.push(this.holdOf(from, reply.hold));
        }
        continue;
      }
      // A hot SKU whose two holders live in different buckets: the guest's hold moves to the
      // user's bucket (keeping its id), or its units go into the user's own hold there.
      const moved = await this.moveAcrossBuckets(from, g, toHolderId, toBucket, n, s, now);
      releasedUnits += moved.released;
      if (moved.hold) holds.push(moved.hold);
    }
    return { holds, releasedUnits };
  }

  private async moveAcrossBuckets(
    from: HoldLocation,
    g: Hold,
    toHolderId: string,
    toBucket: number,
    n: number,
    s: StockSettings,
    now: number,
  ): Promise<{ hold?: Hold; released: number }> {
    const taken = await this.script('hold_end', from, [g.holdId, '1']);
    if (taken.s !== 'OK' || !taken.hold) return { released: 0 };
    await this.forget(g.holdId);
    const to = { ...from, bucket: toBucket };
    const base = (await loadHoldsOf(this.db, from.storeId, toHolderId, now)).find((h) => h.sku === g.sku);
    const merging = base !== undefined;
    let want = (base?.qty ?? 0) + taken.hold.q;
    const attempt = (qty: number) =>
      this.decide(to, n, s, toHolderId, qty, taken.hold?.c ?? '', '', { newId: g.holdId, persist: merging });
    let result = await attempt(want);
    for (let i = 0; i < 3 && !result.ok; i++) {
      const { code, limit, available } = result.refusal;
      if (code === 'LIMIT_PER_CUSTOMER' && limit && limit > (base?.qty ?? 0)) want = limit;
      else if (code === 'NOT_ENOUGH' && available) want = (base?.qty ?? 0) + available;
      else break;
      result = await attempt(want);
    }
    const got = result.ok ? result.hold.qty - (base?.qty ?? 0) : 0;
    const at = this.clock();
    if (merging || !result.ok) {
      const reason = result.ok ? `Merged into hold ${result.hold.holdId} at login` : 'Could not be moved at login';
      this.persister.push({
        op: 'end',
        holdId: g.holdId,
        storeId: from.storeId,
        sku: g.sku,
        state: 'released',
        reason,
        at,
      });
    } else {
      const h = result.hold;
      this.persister.push(
        {
          op: 'transfer',
          holdId: h.holdId,
          storeId: from.storeId,
          sku: g.sku,
          holderId: toHolderId,
          fromHolderId: g.holderId,
          at,
        },
        {
          op: 'set',
          holdId: h.holdId,
          storeId: from.storeId,
          sku: g.sku,
          qty: h.qty,
          prev: taken.hold.q,
          expiresAt: h.expiresAt,
          cartId: h.cartId ?? '',
          at,
        },
      );
    }
    return { hold: result.ok ? result.hold : undefined, released: taken.hold.q - got };
  }

  async getHold(storeId: string, holdId: string): Promise<Hold | undefined> {
    const loc = await this.locate(holdId);
    if (loc && loc.storeId === storeId) {
      const h = await this.readHold(loc, holdId);
      if (h) return this.holdOf(loc, h);
    }
    return this.fromPostgres(storeId, holdId);
  }

  /** A hold as its bucket has it (active, maybe due), or undefined (none, or Redis did not answer). */
  private async readHold(loc: HoldLocation, holdId: string): Promise<ScriptHold | undefined> {
    const raw = await this.redis.hget(this.keys.bucket(loc.storeId, loc.sku, loc.bucket)[1], holdId).catch(() => null);
    return raw ? { ...(JSON.parse(raw) as Omit<ScriptHold, 'id'>), id: holdId } : undefined;
  }

  async holdsOf(storeId: string, holderId: string): Promise<Hold[]> {
    await this.peers.everywhere();
    return loadHoldsOf(this.db, storeId, holderId, this.clock());
  }

  // ---- the sweeper ------------------------------------------------------------------------

  async expireDue(): Promise<number> {
    await this.ensureLoaded();
    if (this.phase !== 'ready') return 0;
    this.due.flush();
    const now = this.clock();
    let expired = 0;
    for (let shard = 0; shard < StockKeys.DUE_SHARDS; shard++) {
      for (const { loc, members } of (await this.due.due(shard, now, SWEEP_BATCH)).values()) {
        const reply = await this.due.sweep(shard, loc, members, () => this.script('expire', loc, [now]));
        const gone = list(reply.x);
        expired += gone.length;
        this.recordExpired(loc, gone);
      }
    }
    return expired + (await this.sweepStragglers(now));
  }

  /**
   * Holds PostgreSQL still shows as active well after their expiry, which Redis does not have
   * (granted by a Redis that was lost before it indexed them): ended in PostgreSQL.
   */
  private async sweepStragglers(now: number): Promise<number> {
    const { rows } = await this.db.query<{ id: string; store_id: string; sku: string }>(
      `SELECT id, store_id, sku FROM holds WHERE state = 'active' AND expires_at < $1 ORDER BY expires_at LIMIT 200`,
      [new Date(now - STRAGGLER_GRACE_MS)],
    );
    let n = 0;
    for (const r of rows) {
      const loc = await this.locate(r.id);
      if (loc) {
        const reply = await this.script('expire', loc, [now, r.id]);
        this.recordExpired(loc, list(reply.x));
        if (list(reply.alive).length > 0 || list(reply.x).some((h) => h.id === r.id)) continue;
      }
      this.persister.push({
        op: 'end',
        holdId: r.id,
        storeId: r.store_id,
        sku: r.sku,
        state: 'expired',
        reason: 'The hold expired',
        at: now,
      });
      n++;
    }
    return n;
  }

  // ---- reads ------------------------------------------------------------------------------

  async availability(storeId: string, skus: readonly string[]): Promise<Map<string, Availability>> {
    const fromPostgres = await loadAvailability(this.db, storeId, skus);
    if (this.phase !== 'ready') return fromPostgres;
    await Promise.all(
      [...fromPostgres.values()].map(async (a) => {
        const n = await this.bucketCount(storeId, a.sku).catch(() => undefined);
        if (!n) return;
        const frees = await Promise.all(
          Array.from({ length: n }, (_, b) => this.redis.hget(this.keys.bucket(storeId, a.sku, b)[0], 'free')),
        ).catch(() => undefined);
        if (!frees || frees.some((f) => f === null)) return;
        const available = frees.reduce((sum, f) => sum + Number(f), 0);
        fromPostgres.set(a.sku, { sku: a.sku, onHand: a.onHand, held: a.onHand - available, available });
      }),
    );
    return fromPostgres;
  }

  async flush(holdIds: readonly string[] = []): Promise<void> {
    await this.persister.flush();
    if (holdIds.length > 0) await this.settle(holdIds);
  }

  /**
   * Waits until PostgreSQL shows these holds as Redis has them: active with the same quantity,
   * or not active. With several instances, a hold another one decided reaches PostgreSQL through
   * that instance's persister, a batch window later; a checkout here must not read it before
   * (it would miss a new hold, order a raised one at its old quantity, or sell a released one).
   * After SETTLE_MS, or while Redis is not there, it does not wait: PostgreSQL's word stands
   * (it is the final one).
   */
  private async settle(holdIds: readonly string[]): Promise<void> {
    const ids = [...new Set(holdIds)].filter((id) => UUID.test(id));
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      // Without Redis there is no other word to wait for.
      if (this.phase !== 'ready' || this.redis.status !== 'ready') return;
      const [inRedis, inPostgres] = await Promise.all([this.activeInRedis(ids), this.activeInPostgres(ids)]);
      if (ids.every((id) => inRedis.get(id) === inPostgres.get(id)) || Date.now() >= deadline) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The quantity of each of these holds Redis has active and not due (others are left out). */
  private async activeInRedis(holdIds: string[]): Promise<Map<string, number>> {
    const now = this.clock();
    const found = await Promise.all(
      holdIds.map(async (id) => {
        const loc = await this.locations.get(id).catch(() => undefined);
        const h = loc && (await this.readHold(loc, id));
        return h && h.e > now ? ([id, h.q] as const) : undefined;
      }),
    );
    return new Map(found.filter((f) => f !== undefined));
  }

  /** The quantity of each of these holds PostgreSQL has active and not due. */
  private async activeInPostgres(holdIds: string[]): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ id: string; qty: number }>(
      `SELECT id, qty FROM holds WHERE id = ANY($1::uuid[]) AND state = 'active' AND expires_at > $2`,
      [holdIds, new Date(this.clock())],
    );
    return new Map(rows.map((r) => [r.id, r.qty]));
  }

  // ---- changes made in PostgreSQL ---------------------------------------------------------

  async applyFeed(): Promise<void> {
    if (this.phase !== 'ready') return;
    const { rows } = await this.db.query<{
      id: string;
      store_id: string;
      sku: string;
      version: string;
      on_hand_delta: string;
      holds_taken: Array<{ holdId: string; qty: number; ended?: boolean }>;
      max_per_holder: number | null;
    }>(
      `SELECT f.id, f.store_id, f.sku, f.version, f.on_hand_delta, f.holds_taken, s.max_per_holder
       FROM stock_authority_feed f JOIN stock_levels s USING (store_id, sku) ORDER BY f.id LIMIT 500`,
    );
    if (rows.length === 0) return;
    const ended = await this.endedInPostgres(rows.flatMap((r) => r.holds_taken.map((t) => t.holdId)));
    const done: string[] = [];
    const blocked = new Set<string>();
    for (const row of rows) {
      const key = `${row.store_id}\t${row.sku}`;
      if (blocked.has(key)) continue;
      const n = await this.bucketCount(row.store_id, row.sku);
      if (n === undefined) {
        // Not in Redis: loading it reads PostgreSQL as it is now, this change included.
        await this.loadOne(row.store_id, row.sku);
        done.push(row.id);
        continue;
      }
      const loc = { storeId: row.store_id, sku: row.sku, bucket: 0 };
      const taken = JSON.stringify(row.holds_taken.map((t) => (ended.has(t.holdId) ? { ...t, ended: true } : t)));
      // Bucket 0 takes the change (in version order); with one bucket it also cuts the newest holds
      // when more is held than on hand, with several the other buckets' free units come first.
      const args = (first: boolean, delta: number) => [
        row.version,
        delta,
        taken,
        row.max_per_holder ?? 0,
        first ? '1' : '0',
        first && n === 1 ? '1' : '0',
      ];
      for (let b = 1; b < n; b++) await this.script('feed_apply', { ...loc, bucket: b }, args(false, 0));
      const reply = await this.script('feed_apply', loc, args(true, Number(row.on_hand_delta)));
      if (reply.s === 'GAP') {
        blocked.add(key);
        continue;
      }
      done.push(row.id);
      const cuts = list(reply.cuts);
      if (cuts.length > 0) this.persister.push(...this.cutsToOps(loc, cuts, 'Fewer units are on hand than were held'));
      if (n > 1 && (reply.free ?? 0) < 0) await this.rebalanceNegative(loc, n, -(reply.free ?? 0));
      if (n > 1 && Number(row.on_hand_delta) > 0) await this.spread(loc, n);
    }
    if (done.length > 0) await this.db.query('DELETE FROM stock_authority_feed WHERE id = ANY($1::bigint[])', [done]);
  }

  /**
   * Of the holds PostgreSQL took units from, those it has ended (a cut took all of a hold it
   * knew): Redis drops them whole. Redis may hold more of such a hold than PostgreSQL knew (a
   * raise not written yet), and PostgreSQL ignores any later change of an ended hold.
   */
  private async endedInPostgres(holdIds: string[]): Promise<Set<string>> {
    if (holdIds.length === 0) return new Set();
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM holds WHERE id = ANY($1::uuid[]) AND state <> 'active'`,
      [holdIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Stock received into bucket 0 of a hot SKU is shared out, so that every bucket can serve its holders. */
  private async spread(loc: HoldLocation, n: number): Promise<void> {
    const frees = await Promise.all(
      Array.from({ length: n }, (_, b) => this.redis.hget(this.keys.bucket(loc.storeId, loc.sku, b)[0], 'free')),
    );
    const values = frees.map((f) => Math.max(0, Number(f ?? 0)));
    const target = Math.floor(values.reduce((a, b) => a + b, 0) / n);
    for (let b = 1; b < n; b++) {
      const deficit = target - (values[b] ?? 0);
      if (deficit <= 0) continue;
      const took = await this.script('free_move', loc, ['take', deficit, this.clock()]);
      this.recordExpired(loc, list(took.x));
      if ((took.n ?? 0) > 0) await this.script('free_move', { ...loc, bucket: b }, ['put', took.n ?? 0]);
    }
  }

  /** Bucket 0 of a hot SKU went below zero: bring in free units from the others, else cut the newest holds. */
  private async rebalanceNegative(loc: HoldLocation, n: number, missing: number): Promise<void> {
    let short = missing - (await this.gather(loc, n, missing));
    for (let b = n - 1; b >= 0 && short > 0; b--) {
      const at = { ...loc, bucket: b };
      const reply = await this.script('cut', at, [short]);
      const cuts = list(reply.cuts);
      if (cuts.length === 0) continue;
      this.persister.push(...this.cutsToOps(at, cuts, 'Fewer units are on hand than were held'));
      const freed = cuts.reduce((sum, c) => sum + c.taken, 0);
      if (b === 0) {
        short -= freed;
        continue;
      }
      const took = await this.script('free_move', at, ['take', freed, this.clock()]);
      this.recordExpired(at, list(took.x));
      await this.script('free_move', loc, ['put', took.n ?? 0]);
      short -= took.n ?? 0;
    }
  }

  /** Holds PostgreSQL could not confirm: gone from Redis without giving back units it never had. */
  private async voidHolds(grants: GrantOp[]): Promise<void> {
    for (const g of grants) {
      const loc = { storeId: g.storeId, sku: g.sku, bucket: g.bucket };
      await this.script('hold_end', loc, [g.holdId, '0']).catch(() => undefined);
      await this.forget(g.holdId);
    }
  }
}
