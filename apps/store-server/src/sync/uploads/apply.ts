import type { UploadResult } from '@till/sync';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { abortsTransaction, applyCommand, isRetryable } from './command';
import type { ApplyContext, SalePricer, UploadSession } from './outcome';
import { type Prepared, prepare, rejected } from './prepare';
import { comparePrice, saleProblem } from './sale';
import { type BatchEntry, batchable, recordSalesBatch } from './sales-batch';

/**
 * Applies a batch of commands uploaded by one terminal, in one transaction. Each command
 * takes effect at most once: its terminal-made id is the primary key of `terminal_uploads`,
 * claimed in the same transaction as its effects (sale, stock movements, events). A resend
 * finds the claim and answers `duplicate` with the first result; two processes sending the
 * same command at once are serialized by that key, and the second gets `duplicate`.
 *
 * The batch is taken in order, in runs: a run of sales (with the items already found to be
 * rejected) goes to PostgreSQL in one call (sales-batch.ts); a return or a cash count is
 * applied on its own (command.ts). When a run of sales fails, it is rolled back to its
 * savepoint and its items are applied one at a time, so that a bad item only rejects itself
 * (or, when it failed for no fault of its own, answers `retry`). A deadlock or
 * serialization failure runs the whole batch again; a lost database fails the batch, and
 * the terminal sends it again (what was applied then comes back `duplicate`).
 */
export interface UploadDeps {
  db: pg.Pool;
  logger: FastifyBaseLogger;
  pricer?: SalePricer;
  /** Failed attempts after which a command that keeps failing for no fault of its own is rejected. */
  maxAttempts?: number;
  /** `per_command`: apply sales one at a time too (for comparison, or if the batch path misbehaves). */
  mode?: UploadMode;
}

export type UploadMode = 'batch' | 'per_command';

export type { UploadSession } from './outcome';

type Run = { kind: 'batch'; entries: BatchEntry[] } | { kind: 'one'; item: Prepared };

/** Consecutive batchable items form one run; anything else is a run of its own. */
function runs(entries: BatchEntry[], mode: UploadMode): Run[] {
  const out: Run[] = [];
  for (const entry of entries) {
    const last = out.at(-1);
    if (mode === 'per_command' || !batchable(entry)) out.push({ kind: 'one', item: entry });
    else if (last?.kind === 'batch') last.entries.push(entry);
    else out.push({ kind: 'batch', entries: [entry] });
  }
  return out;
}

const MAX_TRANSACTION_ATTEMPTS = 5;

export class UploadApplier {
  private readonly maxAttempts: number;
  private readonly mode: UploadMode;

  constructor(private readonly deps: UploadDeps) {
    this.maxAttempts = deps.maxAttempts ?? 5;
    this.mode = deps.mode ?? 'batch';
  }

  async apply(session: UploadSession, items: unknown[]): Promise<UploadResult[]> {
    const { rows } = await this.deps.db.query<{ currency: string }>('SELECT currency FROM stores WHERE id = $1', [
      session.storeId,
    ]);
    const currency = rows[0]?.currency;
    if (!currency) throw new Error(`store ${session.storeId} does not exist`);
    const entries = await this.priced(
      session,
      items.map((raw, index) => {
        const p = prepare(raw, index, session);
        const problem = p.valid && p.item.kind === 'sale' ? saleProblem(p.item.payload) : undefined;
        return problem ? rejected(p, problem) : p;
      }),
    );
    const context = (client: pg.PoolClient): ApplyContext => ({
      client,
      ...session,
      currency,
    });
    return this.inTransaction(async (client) => {
      const results: UploadResult[] = [];
      for (const run of runs(entries, this.mode)) {
        if (run.kind === 'one') results.push(await this.applyOne(context(client), run.item));
        else results.push(...(await this.applyRun(context(client), run.entries)));
      }
      return results;
    });
  }

  /**
   * Sales priced with another rules snapshot than the server's are priced again before the
   * transaction (pricing only reads), except those already recorded.
   */
  private async priced(session: UploadSession, prepared: Prepared[]): Promise<BatchEntry[]> {
    const pricer = this.deps.pricer;
    const toPrice = prepared.filter(
      (p): p is Extract<Prepared, { valid: true }> =>
        p.valid && p.item.kind === 'sale' && p.item.payload.rulesSnapshotId !== null,
    );
    if (!pricer || toPrice.length === 0) return prepared;
    const current = await pricer.currentSnapshotId(session.storeId);
    const stale = toPrice.filter((p) => p.item.kind === 'sale' && p.item.payload.rulesSnapshotId !== current);
    if (stale.length === 0) return prepared;
    const { rows } = await this.deps.db.query<{ id: string }>(
      'SELECT id::text FROM terminal_uploads WHERE id = ANY($1::uuid[])',
      [stale.map((p) => p.item.id)],
    );
    const recorded = new Set(rows.map((r) => r.id));
    const prices = new Map<number, UploadResult['price']>();
    for (const p of stale) {
      if (p.item.kind !== 'sale' || recorded.has(p.item.id)) continue;
      prices.set(p.index, await comparePrice(pricer, session.storeId, p.item.payload, current));
    }
    return prepared.map((p) => {
      const price = prices.get(p.index);
      return price ? { ...p, price } : p;
    });
  }

  /** A run of sales in one call; if that fails, one at a time. */
  private async applyRun(ctx: ApplyContext, entries: BatchEntry[]): Promise<UploadResult[]> {
    await ctx.client.query('SAVEPOINT upload_batch');
    try {
      const results = await recordSalesBatch(ctx.client, ctx, entries);
      await ctx.client.query('RELEASE SAVEPOINT upload_batch');
      return results;
    } catch (error) {
      if (abortsTransaction(error)) throw error;
      await ctx.client.query('ROLLBACK TO SAVEPOINT upload_batch; RELEASE SAVEPOINT upload_batch');
      this.deps.logger.warn(
        { err: error, items: entries.length },
        'a batch of uploaded sales could not be applied at once; applying them one at a time',
      );
      const results: UploadResult[] = [];
      for (const entry of entries) results.push(await this.applyOne(ctx, entry));
      return results;
    }
  }

  private applyOne(ctx: ApplyContext, item: BatchEntry): Promise<UploadResult> {
    return applyCommand(ctx, item, { logger: this.deps.logger, maxAttempts: this.maxAttempts });
  }

  /** The batch's transaction, run again after a deadlock or a serialization failure. */
  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.deps.db.connect();
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        if (!isRetryable(error) || attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
        await new Promise((r) => setTimeout(r, 5 * attempt * Math.random()));
      } finally {
        client.release();
      }
    }
  }
}
