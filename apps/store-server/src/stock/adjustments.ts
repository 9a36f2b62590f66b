import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ADJUSTMENT_KINDS } from '../api/stock';
import { appendEvents } from '../db/events';
import { inTransaction } from '../db/pool';
import { AppError } from '../errors';
import type { HoldTaken } from './sales';

export type AdjustmentKind = (typeof ADJUSTMENT_KINDS)[number];
export { ADJUSTMENT_KINDS };

/** A line moves on hand by `delta` (receipt > 0, shrinkage < 0, correction either) or sets it (`onHand`: count, ERP import). */
export interface AdjustmentLine {
  sku: string;
  delta?: number | undefined;
  onHand?: number | undefined;
}

export interface AdjustmentRequest {
  storeId: string;
  /** Made by the client (UUID); a retry with the same id is applied at most once. */
  adjustmentId: string;
  kind: AdjustmentKind;
  lines: AdjustmentLine[];
  note?: string | undefined;
}

export interface AdjustedLine {
  sku: string;
  onHandBefore: number;
  /** Change of on hand (0 when a count found what was recorded). */
  delta: number;
  after: { received: number; sold: number; held: number; onHand: number; available: number };
  /** Holds cut because on hand fell below what was held (newest first). */
  holdsTaken: HoldTaken[];
}

export interface AdjustmentResult {
  adjustmentId: string;
  storeId: string;
  kind: AdjustmentKind;
  note: string | null;
  lines: AdjustedLine[];
  createdAt: string;
}

const CUT_REASONS: Record<AdjustmentKind, string> = {
  receipt: 'Stock was received',
  shrinkage: 'Some units were written off in the store (damaged or lost), so fewer can be held',
  correction: 'The stock record was corrected and fewer units are left',
  count: 'A stock count found fewer units than recorded',
  erp_import: 'The stock level from head office is lower than recorded',
};

/** What the line asks for is the kind's: a receipt adds, shrinkage removes, a count sets. Throws 400 otherwise. */
export function checkAdjustmentLines(kind: AdjustmentKind, lines: AdjustmentLine[]): void {
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    const where = `lines.${i}`;
    if (seen.has(line.sku)) throw badLine(`${where}.sku`, `${line.sku} appears twice; give one line per SKU`);
    seen.add(line.sku);
    const absolute = kind === 'count' || kind === 'erp_import';
    if (absolute && (line.onHand === undefined || line.delta !== undefined)) {
      throw badLine(`${where}.onHand`, `a ${kind} sets on hand: give onHand (and no delta)`);
    }
    if (!absolute && (line.delta === undefined || line.onHand !== undefined)) {
      throw badLine(`${where}.delta`, `a ${kind} moves on hand: give delta (and no onHand)`);
    }
    if (kind === 'receipt' && (line.delta ?? 0) <= 0)
      throw badLine(`${where}.delta`, 'a receipt adds units: delta > 0');
    if (kind === 'shrinkage' && (line.delta ?? 0) >= 0) {
      throw badLine(`${where}.delta`, 'shrinkage removes units: delta < 0');
    }
    if (kind === 'correction' && line.delta === 0) throw badLine(`${where}.delta`, 'a correction of 0 changes nothing');
  });
}

const badLine = (field: string, problem: string) =>
  new AppError(400, 'VALIDATION_FAILED', `The request is not valid: ${field}: ${problem}`, {
    fields: [{ field: `body.${field}`, problem }],
  });

const hashOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

interface MovementJson {
  applied: boolean;
  unknownSku?: boolean;
  refused?: boolean;
  unchanged?: boolean;
  onHandBefore?: number;
  availableBefore?: number;
  holdsTaken?: HoldTaken[];
  state?: AdjustedLine['after'];
}

/**
 * Applies a stock adjustment in one PostgreSQL transaction: every line or none. A line that
 * would leave on hand negative refuses the whole adjustment (409); where on hand falls below
 * what is held, the newest holds are cut and their holders told why. The same adjustment id
 * with the same request returns the first result; with another request, 422.
 * The caller applies the authority feed after the commit (Redis mode).
 */
export async function applyAdjustment(
  db: pg.Pool,
  request: AdjustmentRequest,
): Promise<{ result: AdjustmentResult; replayed: boolean }> {
  checkAdjustmentLines(request.kind, request.lines);
  const requestHash = hashOf({ kind: request.kind, lines: request.lines, note: request.note ?? null });
  return inTransaction(db, async (client) => {
    const inserted = await client.query(
      `INSERT INTO stock_adjustments (id, store_id, kind, request_hash, note, result)
       VALUES ($1, $2, $3, $4, $5, '{}') ON CONFLICT (id) DO NOTHING`,
      [request.adjustmentId, request.storeId, request.kind, requestHash, request.note ?? null],
    );
    if (inserted.rowCount === 0) return { result: await replay(client, request, requestHash), replayed: true };

    const lines: AdjustedLine[] = [];
    const sorted = [...request.lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
    for (const line of sorted) {
      const params = [request.storeId, line.sku];
      const tail = [request.kind, request.adjustmentId, request.note ?? null, CUT_REASONS[request.kind]];
      const { rows } = await (line.onHand !== undefined
        ? client.query<{ r: MovementJson }>(`SELECT stock_apply_count($1, $2, $3, $4, $5, $6, $7) AS r`, [
            ...params,
            line.onHand,
            ...tail,
          ])
        : client.query<{ r: MovementJson }>(`SELECT stock_apply_movement($1, $2, $3, $4, 0, $5, $6, true, $7) AS r`, [
            ...params,
            request.kind,
            line.delta,
            ...tail.slice(1),
          ]));
      const r = rows[0]?.r;
      if (!r || r.unknownSku)
        throw new AppError(404, 'NOT_FOUND', `Product ${line.sku} was not found`, { sku: line.sku });
      if (r.refused) {
        throw new AppError(
          409,
          'NOT_ENOUGH_ON_HAND',
          `${line.sku} has ${r.onHandBefore} on hand; removing ${-(line.delta ?? 0)} would leave less than none`,
          { sku: line.sku, onHand: r.onHandBefore },
        );
      }
      const before = r.onHandBefore ?? 0;
      if (!r.state) throw new Error(`stock function gave no state for ${line.sku}`);
      lines.push({
        sku: line.sku,
        onHandBefore: before,
        delta: r.state.onHand - before,
        after: r.state,
        holdsTaken: r.holdsTaken ?? [],
      });
    }
    const created = await client.query<{ created_at: Date }>(
      `UPDATE stock_adjustments SET result = $2 WHERE id = $1 RETURNING created_at`,
      [request.adjustmentId, JSON.stringify({ lines })],
    );
    const result: AdjustmentResult = {
      adjustmentId: request.adjustmentId,
      storeId: request.storeId,
      kind: request.kind,
      note: request.note ?? null,
      lines,
      createdAt: (created.rows[0]?.created_at ?? new Date()).toISOString(),
    };
    await appendEvents(client, [{ storeId: request.storeId, type: 'stock.adjusted', payload: { ...result } }]);
    return { result, replayed: false };
  });
}

async function replay(client: pg.PoolClient, request: AdjustmentRequest, requestHash: string) {
  const { rows } = await client.query<{
    store_id: string;
    kind: AdjustmentKind;
    request_hash: string;
    note: string | null;
    result: { lines: AdjustedLine[] };
    created_at: Date;
  }>(`SELECT store_id, kind, request_hash, note, result, created_at FROM stock_adjustments WHERE id = $1`, [
    request.adjustmentId,
  ]);
  const row = rows[0];
  if (!row || row.store_id !== request.storeId || row.request_hash !== requestHash) {
    throw new AppError(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      `Adjustment ${request.adjustmentId} was already applied with a different request; use a new adjustmentId`,
      { adjustmentId: request.adjustmentId },
    );
  }
  return {
    adjustmentId: request.adjustmentId,
    storeId: row.store_id,
    kind: row.kind,
    note: row.note,
    lines: row.result.lines,
    createdAt: row.created_at.toISOString(),
  };
}
