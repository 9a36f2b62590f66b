import type { OutboxItem, UploadResult } from '@till/sync';
import fc from 'fast-check';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/db/pool';
import { createEnrollmentCode, enrollTerminal } from '../../src/sync/terminals';
import { UploadApplier, type UploadSession } from '../../src/sync/uploads/apply';
import { createTestDatabase, type TestDatabase } from '../support';
import { returnItem, saleItem } from './support';

/**
 * The batch path (all sales of an upload in one call of pos_record_sales) must give what
 * applying the same sales one at a time gives: results, stock, holds cut, ledger, alerts.
 * Each run sets up two identical groups of SKUs and applies the same sales to one group
 * in batch mode and to the other one command at a time.
 */

const STORE = 'demo';
const K = 3;
const logger = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

type Extra = 'plain' | 'unknown-sku' | 'wrong-currency' | 'repeat';
interface Scenario {
  stock: Array<{ received: number; threshold: number; holds: number[] }>;
  sales: Array<{ lines: Array<{ i: number; qty: number }>; extra: Extra }>;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  stock: fc.array(
    fc.record({
      received: fc.integer({ min: 0, max: 12 }),
      threshold: fc.integer({ min: 0, max: 6 }),
      holds: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }),
    }),
    { minLength: K, maxLength: K },
  ),
  sales: fc.array(
    fc.record({
      lines: fc.array(fc.record({ i: fc.integer({ min: 0, max: K - 1 }), qty: fc.integer({ min: 1, max: 5 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
      extra: fc.constantFrom<Extra>('plain', 'plain', 'plain', 'plain', 'unknown-sku', 'wrong-currency', 'repeat'),
    }),
    { minLength: 1, maxLength: 14 },
  ),
});

describe('uploaded sales in one batch give what one at a time gives', () => {
  let db: TestDatabase;
  let session: UploadSession;
  let groups: { batch: string[]; one: string[] };
  const appliers = {
    batch: undefined as unknown as UploadApplier,
    one: undefined as unknown as UploadApplier,
  };

  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
    const { code } = await createEnrollmentCode(db.pool, {
      storeId: STORE,
      terminalName: 'Batch',
      expiresInMinutes: 5,
      createdBy: null,
    });
    const terminal = await enrollTerminal(db.pool, { code });
    session = { storeId: STORE, terminalId: terminal.terminalId };
    const { rows } = await db.pool.query<{ sku: string }>(
      `SELECT sku FROM stock_levels WHERE store_id = $1 ORDER BY sku LIMIT $2`,
      [STORE, 2 * K],
    );
    const skus = rows.map((r) => r.sku);
    groups = { batch: skus.slice(0, K), one: skus.slice(K) };
    appliers.batch = new UploadApplier({ db: db.pool, logger, mode: 'batch' });
    appliers.one = new UploadApplier({ db: db.pool, logger, mode: 'per_command' });
  });
  afterAll(() => db.drop());

  async function setUp(skus: string[], stock: Scenario['stock']): Promise<string[]> {
    const holdIds: string[] = [];
    const base = Date.now() - 60_000;
    await inTransaction(db.pool, async (client) => {
      await client.query('DELETE FROM holds WHERE store_id = $1 AND sku = ANY($2)', [STORE, skus]);
      for (const [i, sku] of skus.entries()) {
        const s = stock[i] as Scenario['stock'][number];
        // The holds that fit within the stock, in order (holds never exceed on hand).
        const holds: number[] = [];
        let held = 0;
        for (const qty of s.holds) {
          if (held + qty > s.received) break;
          holds.push(qty);
          held += qty;
        }
        await client.query(
          `UPDATE stock_levels SET received = $3, sold = 0, held = $4, low_stock_threshold = $5, low_stock_since = NULL
           WHERE store_id = $1 AND sku = $2`,
          [STORE, sku, s.received, held, s.threshold],
        );
        for (const [j, qty] of holds.entries()) {
          const id = uuidv7();
          holdIds.push(id);
          const at = new Date(base + i * 100 + j);
          await client.query(
            `INSERT INTO holds (id, store_id, sku, holder_id, qty, expires_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, now() + interval '15 minutes', $6, $6)`,
            [id, STORE, sku, `holder-${i}-${j}`, qty, at],
          );
        }
      }
    });
    return holdIds;
  }

  function items(skus: string[], sales: Scenario['sales']): OutboxItem[] {
    const out: OutboxItem[] = [];
    for (const sale of sales) {
      if (sale.extra === 'repeat' && out.length > 0) {
        out.push(out[Math.floor(out.length / 2)] as OutboxItem);
        continue;
      }
      const lines = sale.lines.map((l) => ({ sku: skus[l.i] as string, qty: l.qty, price: '1.50' }));
      if (sale.extra === 'unknown-sku') lines.push({ sku: 'NO-SUCH-SKU', qty: 1, price: '1.00' });
      const item = saleItem(session.terminalId, lines);
      if (sale.extra === 'wrong-currency') (item.payload as { currency: string }).currency = 'EUR';
      out.push(item);
    }
    return out;
  }

  /** Everything a run changed, with SKUs, sale ids and hold ids replaced by their positions. */
  async function observe(
    skus: string[],
    sent: OutboxItem[],
    results: UploadResult[],
    holdIds: string[],
    since: number,
  ) {
    const saleNo = new Map(sent.map((item, n) => [item.id, n]));
    const name = (text: string) =>
      [...skus.entries(), ...holdIds.entries(), ...sent.map((s, n) => [n, s.id] as const)].reduce(
        (t, [n, id]) =>
          t.replaceAll(id, `<${skus.includes(id) ? 'sku' : holdIds.includes(id) ? 'hold' : 'sale'} ${n}>`),
        text,
      );
    const q = async (sql: string, params: unknown[]) => (await db.pool.query(sql, params)).rows;
    return {
      results: results.map((r) =>
        JSON.parse(name(JSON.stringify({ ...r, id: r.id === null ? null : saleNo.get(r.id) }))),
      ),
      levels: await q(
        `SELECT received::int, sold::int, held::int, low_stock_since IS NOT NULL AS low, version > 0 AS moved
         FROM stock_levels WHERE store_id = $1 AND sku = ANY($2) ORDER BY array_position($2, sku)`,
        [STORE, skus],
      ),
      holds: (
        await q(`SELECT qty, state, end_reason FROM holds WHERE id = ANY($1) ORDER BY array_position($1, id)`, [
          holdIds,
        ])
      ).map((h) => ({ ...h, end_reason: h.end_reason && name(h.end_reason) })),
      movements: (
        await q(
          `SELECT source_id, sku, sold_delta::int, shortfall::int FROM stock_movements
           WHERE store_id = $1 AND source_id = ANY($2) ORDER BY array_position($3, sku), id`,
          [STORE, sent.map((s) => s.id), skus],
        )
      )
        .map((m) => name(JSON.stringify(m)))
        .sort(),
      events: (
        await q(
          `SELECT type, payload FROM events
           WHERE seq > $1 AND type IN ('hold.cut', 'stock.sold_offline', 'sale.recorded', 'alert.stock_discrepancy',
                                       'alert.upload_rejected', 'alert.low_stock')
           ORDER BY seq`,
          [since],
        )
      )
        .map((e) => {
          const { alertId: _alertId, soldAt: _soldAt, expiresAt: _expiresAt, ...payload } = e.payload;
          // A batch commits at once, so its low-stock alert carries the SKU's state at the commit,
          // not at the sale that crossed the threshold (a state no one could see): the crossing must match.
          if (e.type === 'alert.low_stock') return name(JSON.stringify({ type: e.type, sku: payload.sku }));
          return name(JSON.stringify({ type: e.type, payload }));
        })
        .sort(),
      uploads: (
        await q(`SELECT id, status, reason, details, duplicates FROM terminal_uploads WHERE id = ANY($1::uuid[])`, [
          sent.map((s) => s.id),
        ])
      )
        .map((u) => name(JSON.stringify({ ...u, id: saleNo.get(u.id) })))
        .sort(),
    };
  }

  const head = async () =>
    Number((await db.pool.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM events')).rows[0]?.seq);

  it('for any stock, holds and sales (property)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const seen: Record<string, Awaited<ReturnType<typeof observe>>> = {};
        for (const mode of ['batch', 'one'] as const) {
          const skus = groups[mode];
          const holdIds = await setUp(skus, s.stock);
          const sent = items(skus, s.sales);
          const since = await head();
          const results = await appliers[mode].apply(session, sent);
          seen[mode] = await observe(skus, sent, results, holdIds, since);
        }
        expect(seen.batch).toEqual(seen.one);
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it('keeps batch order around returns and counts, and answers every item in place', async () => {
    const skus = groups.batch;
    await setUp(skus, [
      { received: 50, threshold: 0, holds: [] },
      { received: 50, threshold: 0, holds: [] },
      { received: 50, threshold: 0, holds: [] },
    ]);
    const sale = saleItem(session.terminalId, [{ sku: skus[0] as string, qty: 2, price: '1.00' }]);
    const ret = returnItem(session.terminalId, sale.id, [{ sku: skus[0] as string, qty: 1, refund: '1.00' }]);
    const later = saleItem(session.terminalId, [{ sku: skus[1] as string, qty: 1, price: '1.00' }]);
    const results = await appliers.batch.apply(session, [sale, ret, { not: 'a command' }, later, sale]);
    expect(results.map((r) => [r.index, r.status])).toEqual([
      [0, 'accepted'],
      [1, 'accepted'],
      [2, 'rejected'],
      [3, 'accepted'],
      [4, 'duplicate'],
    ]);
    const returned = await db.pool.query(`SELECT sale_known FROM pos_returns WHERE id = $1`, [ret.id]);
    expect(returned.rows).toEqual([{ sale_known: true }]);
    const again = await appliers.batch.apply(session, [later, sale, ret]);
    expect(again.map((r) => [r.status, r.original])).toEqual([
      ['duplicate', 'accepted'],
      ['duplicate', 'accepted'],
      ['duplicate', 'accepted'],
    ]);
  });

  it('rejects an item the database cannot keep (a NUL character) alone, and records it', async () => {
    const skus = groups.batch;
    await setUp(skus, [
      { received: 50, threshold: 0, holds: [] },
      { received: 50, threshold: 0, holds: [] },
      { received: 50, threshold: 0, holds: [] },
    ]);
    const before = saleItem(session.terminalId, [{ sku: skus[0] as string, qty: 1, price: '1.00' }]);
    const poison = saleItem(session.terminalId, [{ sku: skus[1] as string, qty: 1, price: '1.00' }]);
    (poison.payload as { customerId: string }).customerId = 'cust\u0000omer';
    const after = saleItem(session.terminalId, [{ sku: skus[2] as string, qty: 1, price: '1.00' }]);
    const results = await appliers.batch.apply(session, [before, poison, after]);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(results[1]?.reason).toMatch(/database refused it/);
    const stored = await db.pool.query(
      `SELECT status, payload->'payload'->>'customerId' AS customer FROM terminal_uploads WHERE id = $1`,
      [poison.id],
    );
    expect(stored.rows).toEqual([{ status: 'rejected', customer: 'cust\uFFFDomer' }]);
    const sold = await db.pool.query(`SELECT sold::int FROM stock_levels WHERE store_id = $1 AND sku = $2`, [
      STORE,
      skus[1],
    ]);
    expect(sold.rows[0]?.sold).toBe(0);
  });
});
