import { z } from 'zod';
import { seqSchema, storeIdSchema } from './schemas';

/**
 * The change feed: the server's `events` table, in `seq` order, as each kind of client
 * sees it.
 *
 * - Every change has a sequence number. A client keeps the last one it applied (its
 *   cursor) and applies a batch together with its new cursor, atomically.
 * - A pushed batch says "these are all the changes for you in (prev, to]". A client whose
 *   cursor is at least `prev` applies what is newer than its cursor and moves to `to`; a
 *   client whose cursor is older has missed something and pulls from its cursor instead.
 *   Every batch is a true statement about the feed, whoever sends it, so duplicated,
 *   reordered or lost batches never corrupt a replica; they only cost a pull.
 * - Payloads are the full new state of the thing changed, so within a range only the
 *   newest change of a thing matters: high-rate changes (stock levels, holds) may be
 *   coalesced to the newest per key.
 */

export const changeSchema = z.object({
  seq: seqSchema,
  /** `a.b`, e.g. `price.changed`, `stock.sold`. */
  type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'must be a type like "price.changed"'),
  /** null: a change that concerns every store (the catalog is shared). */
  storeId: storeIdSchema.nullable(),
  /** When it was committed, ISO 8601. */
  at: z.string(),
  payload: z.record(z.string(), z.unknown()),
});
export type Change = z.output<typeof changeSchema>;

export const AUDIENCES = ['terminal', 'dashboard', 'storefront'] as const;
export type Audience = (typeof AUDIENCES)[number];

/**
 * Which clients see which changes, by type prefix. A type no row names (one that does not
 * exist yet) goes to terminals and dashboards: a new kind of catalog or pricing fact
 * reaches the tills without touching this table.
 */
/**
 * Changes recorded in `events` that no client is sent: at thousands a second in a flash sale
 * (one per hold granted), pushing them would cost more than the holds themselves.
 */
export const AUDIT_ONLY_TYPES: readonly string[] = [
  'hold.granted',
  'hold.changed',
  'hold.extended',
  'hold.released',
  'hold.converted',
  'hold.transferred',
];

const ROUTES: ReadonlyArray<{ prefix: string; to: readonly Audience[] }> = [
  // the catalog and everything that sets a price
  { prefix: 'product.', to: ['terminal', 'dashboard', 'storefront'] },
  { prefix: 'price.', to: ['terminal', 'dashboard', 'storefront'] },
  { prefix: 'price_list.', to: ['terminal', 'dashboard', 'storefront'] },
  { prefix: 'rule.', to: ['terminal', 'dashboard', 'storefront'] },
  { prefix: 'campaign.', to: ['terminal', 'dashboard', 'storefront'] },
  { prefix: 'coupon.', to: ['terminal', 'dashboard', 'storefront'] },
  { prefix: 'store.', to: ['terminal', 'dashboard', 'storefront'] },
  // a till prices sales in other currencies offline; the online shop asks the server
  { prefix: 'rates.', to: ['terminal', 'dashboard'] },
  // a sale's stock record is the manager's; its effect reaches everyone as stock.changed
  { prefix: 'stock.sold_offline', to: ['dashboard'] },
  { prefix: 'stock.', to: ['terminal', 'dashboard', 'storefront'] },
  // loyalty cards are looked up at the till; the online shop has its own accounts
  { prefix: 'customer.', to: ['terminal', 'dashboard'] },
  // holds: the online shop tells its shoppers when one was cut or ran out; the manager sees both.
  // Every other hold change answered the client that asked for it, and its effect reaches
  // everyone as stock.changed: those stay in the audit trail, out of the live feed.
  ...AUDIT_ONLY_TYPES.map((type) => ({ prefix: type, to: [] })),
  { prefix: 'hold.', to: ['dashboard', 'storefront'] },
  // the store's own business: the manager watches it, the tills need not
  { prefix: 'order.', to: ['dashboard'] },
  { prefix: 'sale.', to: ['dashboard'] },
  { prefix: 'return.', to: ['dashboard'] },
  { prefix: 'cash.', to: ['dashboard'] },
  { prefix: 'drawer.', to: ['dashboard'] },
  { prefix: 'alert.', to: ['dashboard'] },
  { prefix: 'terminal.', to: ['dashboard'] },
];
const DEFAULT_ROUTE: readonly Audience[] = ['terminal', 'dashboard'];

export function audiencesOf(type: string): readonly Audience[] {
  return ROUTES.find((r) => type.startsWith(r.prefix))?.to ?? DEFAULT_ROUTE;
}

export const concerns = (audience: Audience, change: Pick<Change, 'type'>): boolean =>
  audiencesOf(change.type).includes(audience);

/**
 * High-rate changes whose payload is the full state of one thing, so that within a range
 * only the newest per thing needs sending: a SKU's stock level (`stock.changed`) and a
 * hold's state (every `hold.*`). A hot SKU selling a thousand units a second reaches
 * screens as its latest level a few times a second. Nothing else is ever coalesced:
 * alerts, sales and price changes all arrive one by one.
 */
export function coalescingKey(change: Pick<Change, 'type' | 'payload'>): string | undefined {
  const { sku, holdId } = change.payload;
  if (change.type === 'stock.changed' && typeof sku === 'string') return `stock:${sku}`;
  if (change.type.startsWith('hold.') && typeof holdId === 'string') return `hold:${holdId}`;
  return undefined;
}

/**
 * Keeps, of each coalescible key, only its newest change; everything else is kept. The
 * result is in seq order. Applying it leaves a replica in the same state as applying
 * every change, because payloads are full states.
 */
export function coalesce(changes: readonly Change[]): Change[] {
  const newest = new Map<string, number>();
  changes.forEach((change, i) => {
    const key = coalescingKey(change);
    if (key !== undefined) newest.set(key, i);
  });
  if (newest.size === 0) return [...changes];
  return changes.filter((change, i) => {
    const key = coalescingKey(change);
    return key === undefined || newest.get(key) === i;
  });
}

export const changesBatchSchema = z
  .object({
    /**
     * The end of the previous batch sent to this room: this batch continues from there.
     * null when the sender cannot say (it has just started): check by pulling.
     */
    prev: seqSchema.nullable(),
    /** Every change for this room up to here (inclusive) is in this batch or an earlier one. */
    to: seqSchema,
    changes: z.array(changeSchema).max(50_000),
  })
  .superRefine((batch, ctx) => {
    let last = batch.prev ?? -1;
    for (const [i, change] of batch.changes.entries()) {
      if (change.seq <= last) {
        ctx.addIssue({
          code: 'custom',
          path: ['changes', i, 'seq'],
          message: 'changes must be in increasing seq order',
        });
        return;
      }
      last = change.seq;
    }
    if (last > batch.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be below the last change' });
  });
export type ChangesBatch = z.output<typeof changesBatchSchema>;

/** What a client with `cursor` does with a pushed batch. */
export type BatchDecision =
  | { action: 'apply'; changes: Change[]; to: number }
  | { action: 'ignore' }
  | { action: 'pull'; reason: string };

export function decide(cursor: number | null, batch: ChangesBatch): BatchDecision {
  if (cursor === null) return { action: 'ignore' }; // not synced yet: the snapshot and catch-up will cover it
  if (batch.to <= cursor) return { action: 'ignore' };
  if (batch.prev === null) return { action: 'pull', reason: 'the server started a new feed' };
  if (batch.prev > cursor) return { action: 'pull', reason: `missed changes ${cursor + 1}–${batch.prev}` };
  return { action: 'apply', changes: batch.changes.filter((c) => c.seq > cursor), to: batch.to };
}
