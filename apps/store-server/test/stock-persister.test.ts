import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrantOp, HoldPersister, type PersistOp } from '../src/stock/redis/persister';
import { grant, T0 } from './stock/grants';
import { createTestDatabase, type TestDatabase } from './support';

const STORE = 'demo';
const RUNS = 500;

/**
 * The persister writes Redis-mode decisions to PostgreSQL in the order they were answered, which
 * on a Redis Cluster need not be the order Redis made them in (each node answers on its own
 * connection). Whatever that order, once everything is flushed PostgreSQL must hold what Redis
 * holds.
 */
describe('the hold persister', () => {
  let db: TestDatabase;
  let skus: string[];
  const voided: GrantOp[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ demo: true });
    const { rows } = await db.pool.query<{ sku: string }>(
      `SELECT sku FROM stock_levels WHERE store_id = $1 AND held = 0 ORDER BY sku LIMIT 4`,
      [STORE],
    );
    skus = rows.map((r) => r.sku);
    await db.pool.query(
      `UPDATE stock_levels SET received = sold + 6, low_stock_threshold = 0 WHERE store_id = $1 AND sku = ANY($2)`,
      [STORE, skus],
    );
  });
  afterAll(() => db?.drop());

  const persister = () =>
    new HoldPersister({
      db: db.pool,
      clock: () => T0,
      logger: pino({ level: 'silent' }),
      onVoid: async (holds) => {
        voided.push(...holds);
      },
    });
  /** Redis changed g's hold from prev to qty. */
  const set = (g: GrantOp, prev: number, qty: number): PersistOp => ({
    op: 'set',
    holdId: g.holdId,
    storeId: STORE,
    sku: g.sku,
    qty,
    prev,
    expiresAt: g.expiresAt,
    cartId: '',
    at: T0,
  });
  const holdsOf = async (sku: string) =>
    (
      await db.pool.query<{ holder_id: string; qty: number; state: string }>(
        `SELECT holder_id, qty, state FROM holds WHERE store_id = $1 AND sku = $2 ORDER BY holder_id`,
        [STORE, sku],
      )
    ).rows;
  const heldOf = async (sku: string) =>
    Number(
      (
        await db.pool.query<{ held: string }>(`SELECT held FROM stock_levels WHERE store_id = $1 AND sku = $2`, [
          STORE,
          sku,
        ])
      ).rows[0]?.held,
    );

  it("follows a hold's last state when a step between never fit in the order it arrived", async () => {
    // In Redis: a raised 1 -> 5, lowered 5 -> 2, then c took 3 of the units a gave back (6 on hand).
    // Here c's grant arrives first, so a's passing 5 can never fit beside it; a's 2 does.
    const sku = skus[0] as string;
    const p = persister();
    const a = grant(sku, 'a', 1);
    p.push(a);
    await p.flush();
    p.push(grant(sku, 'c', 3), set(a, 1, 5), set(a, 5, 2));
    await p.flush();
    expect(p.pending).toBe(0);
    expect(await holdsOf(sku)).toEqual([
      { holder_id: 'a', qty: 2, state: 'active' },
      { holder_id: 'c', qty: 3, state: 'active' },
    ]);
    expect(await heldOf(sku)).toBe(5);
  });

  it('ends a hold whose raise never fit when its release follows', async () => {
    const sku = skus[1] as string;
    const p = persister();
    const a = grant(sku, 'a', 1);
    p.push(a);
    await p.flush();
    p.push(grant(sku, 'c', 5), set(a, 1, 6), {
      op: 'end',
      holdId: a.holdId,
      storeId: STORE,
      sku,
      state: 'released',
      reason: 'Released by the holder',
      at: T0,
    });
    await p.flush();
    expect(p.pending).toBe(0);
    expect(await holdsOf(sku)).toEqual([
      { holder_id: 'a', qty: 1, state: 'released' },
      { holder_id: 'c', qty: 5, state: 'active' },
    ]);
    expect(await heldOf(sku)).toBe(5);
    expect(voided).toEqual([]);
  });

  it('keeps a raise waiting while what it needs is really held by others, and applies it once they let go', async () => {
    const sku = skus[2] as string;
    const p = persister();
    const a = grant(sku, 'a', 1);
    const b = grant(sku, 'b', 5);
    p.push(a, b);
    await p.flush();
    // In Redis b lowered first; here a's raise arrives before it.
    p.push(set(a, 1, 5));
    await p.flush();
    expect(p.pending).toBe(1);
    p.push(set(b, 5, 1));
    await p.flush();
    expect(p.pending).toBe(0);
    expect((await holdsOf(sku)).map((h) => [h.holder_id, h.qty])).toEqual([
      ['a', 5],
      ['b', 1],
    ]);
    expect(await heldOf(sku)).toBe(6);
  });

  /** One SKU with 6 on hand in Redis: what each decision leaves, and the op it hands the persister. */
  type Step = { holder: number; kind: 'hold' | 'change' | 'release'; qty: number };
  function decideInRedis(sku: string, run: number, steps: Step[]) {
    const holds = new Map<number, GrantOp>();
    const qty = new Map<number, number>();
    let free = 6;
    const ops: PersistOp[] = [];
    for (const { holder, kind, qty: q } of steps) {
      const g = holds.get(holder);
      const have = qty.get(holder) ?? 0;
      if (kind === 'hold' && !g && q <= free) {
        const made = grant(sku, `p${run}-${holder}`, q);
        holds.set(holder, made);
        qty.set(holder, q);
        free -= q;
        ops.push(made);
      } else if (kind === 'change' && g && q - have <= free) {
        qty.set(holder, q);
        free -= q - have;
        ops.push(set(g, have, q));
      } else if (kind === 'release' && g) {
        holds.delete(holder);
        qty.delete(holder);
        free += have;
        ops.push({ op: 'end', holdId: g.holdId, storeId: STORE, sku, state: 'released', reason: 'Released', at: T0 });
      }
    }
    const final = [...qty].map(([holder, q]) => [`p${run}-${holder}`, q] as [string, number]).sort();
    return { ops, final };
  }

  it("leaves PostgreSQL holding what Redis holds, whatever the order decisions arrive in (each hold's own in order)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            holder: fc.integer({ min: 0, max: 3 }),
            kind: fc.constantFrom('hold', 'change', 'release'),
            qty: fc.integer({ min: 1, max: 6 }),
          }),
          { minLength: 1, maxLength: 14 },
        ),
        fc.array(fc.nat(1000), { minLength: 14, maxLength: 14 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }),
        async (steps, keys, chunks) => {
          // Each run on the same SKU, its earlier holds ended first.
          const sku = skus[3] as string;
          await db.pool.query(
            `WITH ended AS (UPDATE holds SET state = 'released', ended_at = now() WHERE store_id = $1 AND sku = $2 AND state = 'active')
             UPDATE stock_levels SET held = 0 WHERE store_id = $1 AND sku = $2`,
            [STORE, sku],
          );
          const { ops, final } = decideInRedis(sku, run++, steps);
          // An arrival order: ops ordered by random keys, each hold's own keys given out in order.
          const slots = ops.map((_, i) => keys[i] ?? i);
          const byHold = new Map<string, number[]>();
          for (const [i, op] of ops.entries()) byHold.set(op.holdId, [...(byHold.get(op.holdId) ?? []), i]);
          const key = new Array<number>(ops.length);
          for (const indexes of byHold.values()) {
            const sorted = indexes.map((i) => slots[i] as number).sort((a, b) => a - b);
            indexes.forEach((i, n) => {
              key[i] = sorted[n] as number;
            });
          }
          const arrival = ops.map((op, i) => ({ op, k: key[i] as number })).sort((a, b) => a.k - b.k);
          const p = persister();
          try {
            let at = 0;
            for (const size of [...chunks, ops.length]) {
              p.push(...arrival.slice(at, at + size).map((a) => a.op));
              at += size;
              await p.flush();
            }
            await p.flush();
            expect(p.pending).toBe(0);
            const active = (await holdsOf(sku))
              .filter((h) => h.state === 'active' && h.holder_id.startsWith(`p${run - 1}-`))
              .map((h) => [h.holder_id, h.qty]);
            expect(active).toEqual(final);
            expect(await heldOf(sku)).toBe(final.reduce((sum, [, q]) => sum + q, 0));
          } finally {
            await p.stop();
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(voided).toEqual([]);
  });
});
