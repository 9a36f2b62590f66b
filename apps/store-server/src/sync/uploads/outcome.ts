import type { OutboxItem, ReconciliationStatus, UploadResult } from '@till/sync';
import type pg from 'pg';
import type { NewEvent } from '../../db/events';

/** The terminal an upload comes from. */
export interface UploadSession {
  storeId: string;
  terminalId: string;
}

/** What applying one uploaded command needs to know. */
export interface ApplyContext extends UploadSession {
  client: pg.PoolClient;
  /** The store's currency: a cash count in another is refused. */
  currency: string;
  /** For a sale: what pricing it again before the transaction found (see UploadApplier.priced). */
  price?: UploadResult['price'];
}

/** How a command turned out, before it is written down. */
export interface Outcome {
  status: Exclude<ReconciliationStatus, 'duplicate' | 'rejected'>;
  details: Pick<UploadResult, 'stock' | 'price'>;
  /** The command's own row (a sale, a return, a count): an INSERT with parameters $1…$n. */
  row: { sql: string; values: unknown[] };
  events: NewEvent[];
}

export type Handler<K extends OutboxItem['kind']> = (
  ctx: ApplyContext,
  item: Extract<OutboxItem, { kind: K }>,
) => Promise<Outcome>;

/** A command whose content the server cannot accept: it is rejected with this message. */
export class UploadRejection extends Error {
  override name = 'UploadRejection';
}

/**
 * Prices a terminal's sale again on the server, for `price_discrepancy`. The pricing
 * service provides it; without one, prices are taken as the terminal made them.
 */
export interface SalePricer {
  /** The rules snapshot the store prices with now. */
  currentSnapshotId(storeId: string): Promise<string>;
  /** What the server charges for the sale's lines at the sale's time. */
  priceSale(
    storeId: string,
    sale: {
      soldAt: number;
      currency: string;
      lines: ReadonlyArray<{ sku: string; qty: number }>;
      customerId?: string | null;
      coupons?: readonly string[] | undefined;
    },
  ): Promise<{ snapshotId: string; total: string }>;
}
