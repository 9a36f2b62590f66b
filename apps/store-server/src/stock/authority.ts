/**
 * The StockAuthority decides every hold: granting, changing, releasing, expiring and moving
 * holds is one atomic operation of the authority (a Lua script in Redis mode, one SQL function
 * around a conditional UPDATE in Postgres mode). Application code never reads stock and then
 * writes it, and takes no locks of its own.
 *
 * PostgreSQL stays the final word: checkouts, stock adjustments and offline sales are
 * PostgreSQL transactions under CHECK constraints (see ../orders, ./adjustments, ./sales);
 * they leave a `stock_authority_feed` row that the Redis authority applies to its own state.
 */

export type StockMode = 'postgres' | 'redis';

/** Why a hold was refused. Every refusal carries the numbers behind it. */
export type RefusalCode =
  | 'SOLD_OUT'
  | 'HELD_BY_OTHERS'
  | 'ALREADY_HOLDS_LAST'
  | 'NOT_ENOUGH'
  | 'HOLD_EXPIRED'
  | 'NO_HOLD'
  | 'LIMIT_PER_CUSTOMER'
  | 'UNKNOWN_SKU';

export interface Refusal {
  code: RefusalCode;
  message: string;
  sku?: string;
  holdId?: string;
  /** Units that could be held right now. */
  available?: number;
  /** Units asked for in total (the hold's wanted quantity). */
  requested?: number;
  /** Units this holder already holds of the SKU. */
  youHold?: number;
  /** LIMIT_PER_CUSTOMER: most units one holder may hold of the SKU. */
  limit?: number;
  /** HELD_BY_OTHERS: when the first of the other holders' holds expires (ISO 8601). */
  firstExpiresAt?: string;
  /** HOLD_EXPIRED: when the hold expired (ISO 8601). */
  expiredAt?: string;
}

export type HoldState = 'active' | 'released' | 'expired' | 'converted' | 'cut';

export interface Hold {
  holdId: string;
  storeId: string;
  sku: string;
  holderId: string;
  cartId: string | null;
  qty: number;
  state: HoldState;
  /** Epoch ms. */
  expiresAt: number;
  /** Why the hold ended or was reduced, for the holder to read. */
  reason: string | null;
  orderId: string | null;
}

export type HoldResult = { ok: true; hold: Hold; created: boolean } | { ok: false; refusal: Refusal };

export interface SetHoldRequest {
  storeId: string;
  sku: string;
  holderId: string;
  /** Units the holder wants held in total (a holder has at most one hold per SKU). */
  qty: number;
  cartId?: string | undefined;
}

export interface ChangeHoldRequest {
  storeId: string;
  holdId: string;
  qty: number;
}

export interface TransferResult {
  /** The holds that now belong to the new holder (moved, or merged into one it had). */
  holds: Hold[];
  /** Units released because a merged hold would have exceeded the per-holder limit. */
  releasedUnits: number;
}

export interface Availability {
  sku: string;
  onHand: number;
  held: number;
  available: number;
}

export type ReadyState = { ok: true } | { ok: false; reason: string };

export interface StockAuthority {
  readonly mode: StockMode;
  /** Starts background work (Redis mode: rebuild if empty, feed, persistence). */
  start(): Promise<void>;
  /** Stops background work, persisting everything already decided. */
  stop(): Promise<void>;
  /** Not ready while the authority rebuilds its state (Redis mode after a restart). */
  readiness(): Promise<ReadyState>;

  /** Grants a hold, or sets the holder's existing hold on the SKU to `qty`. */
  setHold(request: SetHoldRequest): Promise<HoldResult>;
  /** Sets an existing hold to `qty`; the stock follows atomically. */
  changeHold(request: ChangeHoldRequest): Promise<HoldResult>;
  /** Releases a hold (the item left the cart). Releasing an ended hold changes nothing. */
  releaseHold(storeId: string, holdId: string): Promise<HoldResult>;
  /** A pending payment: the hold lives at least `extendMs` more. */
  extendHold(storeId: string, holdId: string, extendMs: number): Promise<HoldResult>;
  /** Moves every active hold of a guest to a user (login); merges with the user's own holds. */
  transferHolds(storeId: string, fromHolderId: string, toHolderId: string): Promise<TransferResult>;
  /** One hold, active or ended (with the reason it ended). */
  getHold(storeId: string, holdId: string): Promise<Hold | undefined>;
  /** The active holds of a holder. */
  holdsOf(storeId: string, holderId: string): Promise<Hold[]>;
  /** Expires every hold whose time has come; returns how many. The sweeper calls it every second. */
  expireDue(): Promise<number>;
  /** onHand, held and available for many SKUs at once (unknown SKUs are left out). */
  availability(storeId: string, skus: readonly string[]): Promise<Map<string, Availability>>;
  /**
   * Makes PostgreSQL hold every hold decided so far by this server (before a checkout reads
   * them). Given hold ids, also waits (a moment at most) until PostgreSQL shows those holds as
   * the authority has them, whichever server decided them.
   */
  flush(holdIds?: readonly string[]): Promise<void>;
  /** Applies pending `stock_authority_feed` rows now (after a commit that wrote some). */
  applyFeed(): Promise<void>;
}

/** A clock in epoch ms; tests pass one they control. */
export type Clock = () => number;

export const iso = (ms: number) => new Date(ms).toISOString();
