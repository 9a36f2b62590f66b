import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type {
  Availability,
  ChangeHoldRequest,
  Clock,
  Hold,
  HoldResult,
  SetHoldRequest,
  StockAuthority,
  TransferResult,
} from '../authority';
import { loadAvailability, loadHold, loadHoldsOf } from '../queries';
import { type HoldPayload, holdFromPayload, type RawHoldResult, toHoldResult } from '../refusals';
import { StockSettingsCache } from '../settings';
import { fnv1a } from '../spread';
import { LaneBatches } from './lane-batches';

export interface PostgresAuthorityOptions {
  db: pg.Pool;
  clock?: Clock;
  /** How long store settings are cached (default 5 s). */
  settingsTtlMs?: number;
}

const at = (ms: number) => new Date(ms);

/**
 * A store's new holds go to PostgreSQL in this many lanes, by SKU: a lane has one call at a time,
 * and lanes never share a SKU, so their calls never wait for each other's row locks.
 */
const LANES = 4;

/** One stock_hold_set of a new hold, as stock_hold_set_many takes it. */
export interface SetDecision {
  storeId: string;
  sku: string;
  holder: string;
  qty: number;
  cart: string | null;
  newId: string;
  now: number;
  ttlMs: number;
  limit: number | null;
}

/**
 * Postgres mode (the embedded default): every decision is one call of a SQL function built
 * around one conditional UPDATE of the SKU's stock_levels row (migrations/0011_stock_holds.sql).
 * The row lock orders decisions on a SKU; CHECK constraints make a wrong one impossible.
 *
 * Hold decisions go through a pool of their own whose sessions commit without waiting for the
 * WAL flush (`synchronous_commit=off`): a hold is a soft reservation, and the row lock of a hot
 * SKU is then held for the UPDATE rather than for a disk flush. A PostgreSQL crash can lose the
 * last moments of hold decisions (the shopper adds the item again), never consistency: held and
 * the hold rows commit together under the CHECKs. Checkouts, adjustments and offline sales use
 * the server's pool and commit synchronously.
 *
 * New holds asked while the previous call for their lane of SKUs is running go together in the
 * next call (`lane-batches.ts`, stock_hold_set_many in 0080): one transaction and one lock wait
 * per SKU for many decisions.
 */
export class PostgresStockAuthority implements StockAuthority {
  readonly mode = 'postgres' as const;
  private readonly db: pg.Pool;
  /** For hold decisions only (see above). */
  private readonly decisions: pg.Pool;
  private readonly clock: Clock;
  private readonly settings: StockSettingsCache;
  // A failed call committed nothing (one statement); deciding its holds again alone is safe in
  // any case, as setting a holder's hold to a quantity twice changes nothing the second time.
  private readonly newHolds = new LaneBatches<SetDecision, HoldResult>(
    async (_key, decisions) => {
      const { rows } = await this.decisions.query<{ r: RawHoldResult[] }>('SELECT stock_hold_set_many($1, $2) AS r', [
        (decisions[0] as SetDecision).storeId,
        JSON.stringify(decisions),
      ]);
      return (rows[0]?.r ?? []).map(toHoldResult);
    },
    (d) =>
      this.decide(`SELECT stock_hold_set($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9) AS r`, [
        d.storeId,
        d.sku,
        d.holder,
        d.qty,
        d.cart,
        d.newId,
        at(d.now),
        d.ttlMs,
        d.limit,
      ]),
  );

  constructor(options: PostgresAuthorityOptions) {
    this.db = options.db;
    this.decisions = new pg.Pool({
      ...options.db.options,
      max: Math.max(2, options.db.options.max ?? 10),
      options: '-c synchronous_commit=off',
      application_name: 'till-stock-holds',
    });
    this.decisions.on('error', () => {});
    this.clock = options.clock ?? Date.now;
    this.settings = new StockSettingsCache(this.db, this.clock, options.settingsTtlMs);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {
    await this.decisions.end().catch(() => {});
  }
  async readiness() {
    return { ok: true as const };
  }

  private async decide(sql: string, params: unknown[]): Promise<HoldResult> {
    const { rows } = await this.decisions.query<{ r: RawHoldResult }>(sql, params);
    const raw = rows[0]?.r;
    if (!raw) throw new Error('the stock function returned nothing');
    return toHoldResult(raw);
  }

  private async settingsOf(storeId: string) {
    const settings = await this.settings.get(storeId);
    return settings ?? { holdMs: 15 * 60_000, paymentExtensionMs: 10 * 60_000, maxPerHolder: null };
  }

  async setHold(request: SetHoldRequest): Promise<HoldResult> {
    const s = await this.settingsOf(request.storeId);
    const { storeId, sku } = request;
    return this.newHolds.submit(`${storeId}\u0000${fnv1a(sku) % LANES}`, {
      storeId,
      sku,
      holder: request.holderId,
      qty: request.qty,
      cart: request.cartId ?? null,
      newId: uuidv7(),
      now: this.clock(),
      ttlMs: s.holdMs,
      limit: s.maxPerHolder,
    });
  }

  async changeHold(request: ChangeHoldRequest): Promise<HoldResult> {
    const s = await this.settingsOf(request.storeId);
    return this.decide(`SELECT stock_hold_change($1, $2, $3, $4, $5, $6) AS r`, [
      request.storeId,
      request.holdId,
      request.qty,
      at(this.clock()),
      s.holdMs,
      s.maxPerHolder,
    ]);
  }

  releaseHold(storeId: string, holdId: string): Promise<HoldResult> {
    return this.decide(`SELECT stock_hold_end($1, $2, 'released', 'Released by the holder', $3) AS r`, [
      storeId,
      holdId,
      at(this.clock()),
    ]);
  }

  extendHold(storeId: string, holdId: string, extendMs: number): Promise<HoldResult> {
    const now = this.clock();
    return this.decide(`SELECT stock_hold_extend($1, $2, $3, $4) AS r`, [storeId, holdId, at(now + extendMs), at(now)]);
  }

  async transferHolds(storeId: string, fromHolderId: string, toHolderId: string): Promise<TransferResult> {
    const s = await this.settingsOf(storeId);
    const { rows } = await this.decisions.query<{ r: { holds: HoldPayload[]; releasedUnits: number } }>(
      `SELECT stock_hold_transfer($1, $2, $3, $4, $5) AS r`,
      [storeId, fromHolderId, toHolderId, at(this.clock()), s.maxPerHolder],
    );
    const r = rows[0]?.r ?? { holds: [], releasedUnits: 0 };
    return { holds: r.holds.map(holdFromPayload), releasedUnits: Number(r.releasedUnits) };
  }

  getHold(storeId: string, holdId: string): Promise<Hold | undefined> {
    return loadHold(this.db, storeId, holdId);
  }

  holdsOf(storeId: string, holderId: string): Promise<Hold[]> {
    return loadHoldsOf(this.db, storeId, holderId, this.clock());
  }

  async expireDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const { rows } = await this.decisions.query<{ n: number }>(`SELECT stock_expire_due($1, 200) AS n`, [
        at(this.clock()),
      ]);
      const n = rows[0]?.n ?? 0;
      total += n;
      if (n === 0) return total;
    }
  }

  availability(storeId: string, skus: readonly string[]): Promise<Map<string, Availability>> {
    return loadAvailability(this.db, storeId, skus);
  }

  /** Postgres mode decides in PostgreSQL: there is nothing to write or wait for. */
  async flush(): Promise<void> {}

  /** Postgres mode keeps no state outside PostgreSQL: the feed has nothing to apply. */
  async applyFeed(): Promise<void> {
    await this.db.query('DELETE FROM stock_authority_feed');
  }
}
