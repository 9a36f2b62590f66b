import os from 'node:os';
import pino from 'pino';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { issueApiKey } from '../src/auth/api-keys';
import { createTillClient } from '../src/client';
import { loadConfig } from '../src/config';
import { priceWithEngine, ValidatedRules } from '../src/pricing/engine';
import { loadRulesSnapshot } from '../src/pricing/snapshot';
import { startServer } from '../src/server';
import { benchDatabase, fmt, loadFromAnotherProcess, percentile } from './support';

/**
 * POST /v1/carts/price on the demo catalog (2,415 products) with ~1,000 rules, most of them
 * not eligible for a given cart (SKU-specific deals, segments, coupons, windows), as in a
 * real store. Load comes from autocannon in another process, cycling through 200 different
 * carts. Also measured in the same run: the engine alone on the same carts (the floor), and
 * what a rule change costs (loading and indexing the new snapshot).
 *
 *   pnpm --filter @till/store-server bench cart-pricing
 */

const RULES = Number(process.env.BENCH_RULES ?? 1_000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CARTS = 200;

type Rng = ReturnType<typeof xoroshiro128plus>;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[uniformInt(rng, 0, items.length - 1)] as T;
const pickSome = <T>(rng: Rng, items: readonly T[], n: number): T[] =>
  Array.from(new Set(Array.from({ length: n }, () => pick(rng, items))));

/** ~1,000 rules of every kind; deterministic. */
export function benchRules(skusByCategory: Map<string, string[]>, count: number, now: number) {
  const rng = xoroshiro128plus(42);
  const categories = [...skusByCategory.keys()];
  const allSkus = [...skusByCategory.values()].flat();
  const day = 86_400_000;
  const windowOf = (i: number) =>
    i % 5 === 0
      ? { validFrom: new Date(now - day).toISOString(), validTo: new Date(now + 7 * day).toISOString() }
      : i % 5 === 1
        ? { validFrom: new Date(now + 2 * day).toISOString(), validTo: new Date(now + 3 * day).toISOString() }
        : {};
  const gate = (i: number) => (i % 7 === 0 ? { segments: ['gold'] } : i % 11 === 0 ? { coupon: `CODE${i}` } : {});
  const rules: Array<Record<string, unknown> & { id: string; kind: string }> = [];
  for (let i = 0; rules.length < count; i++) {
    const id = `bench-${i}`;
    const roll = i % 100;
    if (roll < 70) {
      rules.push({
        id,
        kind: 'discount',
        appliesTo: { skus: pickSome(rng, allSkus, 3) },
        percentOff: String(uniformInt(rng, 5, 30)),
        ...windowOf(i),
        ...gate(i),
      });
    } else if (roll < 80) {
      rules.push({
        id,
        kind: 'price',
        appliesTo: { skus: pickSome(rng, allSkus, 2) },
        price: `${uniformInt(rng, 5, 40)}.99`,
        ...windowOf(i),
      });
    } else if (roll < 88) {
      rules.push({
        id,
        kind: 'tiered',
        appliesTo: { skus: pickSome(rng, allSkus, 4) },
        tiers: [
          { minQty: 2, percentOff: '5' },
          { minQty: 5, percentOff: '12' },
        ],
        ...gate(i),
      });
    } else if (roll < 96) {
      rules.push({
        id,
        kind: 'mixMatch',
        concurrency: 'exclusive',
        groups: [{ skus: pickSome(rng, allSkus, 5), qty: 2 }],
        percentOff: '20',
        ...windowOf(i),
      });
    } else if (roll < 98) {
      rules.push({
        id,
        kind: 'discount',
        appliesTo: { categories: [pick(rng, categories)] },
        percentOff: String(uniformInt(rng, 5, 15)),
        segments: [pick(rng, ['gold', 'vip', 'new', 'staff'])],
        ...windowOf(i),
      });
    } else if (roll < 99) {
      rules.push({
        id,
        kind: 'threshold',
        minSubtotal: `${uniformInt(rng, 50, 300)}.00`,
        amountOff: `${uniformInt(rng, 5, 25)}.00`,
        coupon: `CODE${i}`,
      });
    } else {
      rules.push({
        id,
        kind: 'discount',
        appliesTo: { skus: pickSome(rng, allSkus, 2) },
        amountOff: `${uniformInt(rng, 1, 5)}.00`,
        ...gate(i),
      });
    }
  }
  return rules;
}

export function benchCarts(skusByCategory: Map<string, string[]>, count: number) {
  const rng = xoroshiro128plus(7);
  const allSkus = [...skusByCategory.values()].flat();
  return Array.from({ length: count }, (_, i) => ({
    lines: pickSome(rng, allSkus, uniformInt(rng, 1, 8)).map((sku) => ({ sku, qty: uniformInt(rng, 1, 3) })),
    ...(i % 3 === 0 ? { customerId: pick(rng, ['demo-ada', 'demo-grace', 'demo-katherine']) } : {}),
    ...(i % 5 === 0 ? { coupons: ['SAVE10'] } : {}),
    ...(i % 10 === 0 ? { currency: 'EUR' } : {}),
  }));
}

export async function run(): Promise<void> {
  const database = await benchDatabase('pricing');
  const config = loadConfig({
    DATABASE_URL: database.url,
    PORT: '0',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_STOREFRONT: '0',
    DATABASE_POOL_SIZE: '20',
  });
  const server = await startServer(config, pino({ level: 'warn' }));
  try {
    const pool = server.app.db;
    const key = (await issueApiKey(pool, { storeId: 'demo', role: 'storefront', name: 'bench' })).key;
    const managerKey = (await issueApiKey(pool, { storeId: 'demo', role: 'manager', name: 'bench' })).key;
    const { rows } = await pool.query<{ sku: string; category_id: string }>(
      'SELECT sku, category_id FROM products WHERE active',
    );
    const skusByCategory = new Map<string, string[]>();
    for (const r of rows) skusByCategory.set(r.category_id, [...(skusByCategory.get(r.category_id) ?? []), r.sku]);

    const manager = createTillClient({ baseUrl: server.url, apiKey: managerKey });
    const rules = benchRules(skusByCategory, RULES, Date.now());
    await manager.rules.batch({ body: { upsert: rules.map((rule) => ({ rule })) } });

    // What a rule change costs: the next request loads and indexes the new snapshot. From
    // scratch (a server's first request), and after one rule changed (rules validated
    // before are not validated again).
    const fromScratch: number[] = [];
    const afterOneChange: number[] = [];
    const validated = new ValidatedRules();
    await loadRulesSnapshot(pool, 'demo', validated);
    for (let i = 0; i < 5; i++) {
      let t0 = performance.now();
      await loadRulesSnapshot(pool, 'demo');
      fromScratch.push(performance.now() - t0);
      const changed = { ...(rules[i] as (typeof rules)[number]), name: `changed ${i}` };
      await manager.rules.batch({ body: { upsert: [{ rule: changed }] } });
      t0 = performance.now();
      await loadRulesSnapshot(pool, 'demo', validated);
      afterOneChange.push(performance.now() - t0);
    }
    fromScratch.sort((a, b) => a - b);
    afterOneChange.sort((a, b) => a - b);

    // The engine alone on the same carts: the floor under the HTTP figure.
    const carts = benchCarts(skusByCategory, CARTS);
    const contexts = await Promise.all(
      carts.map((c) =>
        server.app.pricing.prepare({
          storeId: 'demo',
          lines: c.lines,
          customer: c.customerId ? { id: c.customerId } : undefined,
          coupons: c.coupons,
          currency: c.currency,
        }),
      ),
    );
    const engineTimes: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const context of contexts) {
        const t0 = performance.now();
        priceWithEngine(context.engineInput);
        engineTimes.push(performance.now() - t0);
      }
    }
    engineTimes.sort((a, b) => a - b);

    const requests = carts.map((cart) => ({
      method: 'POST' as const,
      path: '/v1/carts/price',
      body: JSON.stringify(cart),
    }));
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    await loadFromAnotherProcess({ url: server.url, connections: 10, duration: 3, headers, requests }); // warm-up
    // The same server's floor: a route that does nothing (no key, no database).
    const floor = await loadFromAnotherProcess({ url: `${server.url}/healthz`, connections: 10, duration: DURATION });
    const results = [];
    for (const connections of [1, 10, 50]) {
      const r = await loadFromAnotherProcess({ url: server.url, connections, duration: DURATION, headers, requests });
      results.push({ connections, r });
    }

    process.stdout.write(
      [
        `Cart pricing API — ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${new Date().toISOString()}`,
        `catalog ${rows.length} products, ${RULES} bench rules + demo rules, ${CARTS} distinct carts (1–8 lines; 1/3 with a customer, 1/5 a coupon, 1/10 in EUR)`,
        '',
        `engine alone (same carts, in process): p50 ${fmt(percentile(engineTimes, 50), 3)} ms, p99 ${fmt(percentile(engineTimes, 99), 3)} ms`,
        `new snapshot of ${RULES} rules (load + validate + index): from scratch median ${fmt(percentile(fromScratch, 50), 1)} ms; after one rule changed median ${fmt(percentile(afterOneChange, 50), 1)} ms`,
        `floor (GET /healthz, 10 connections): ${fmt(floor.requests.average, 0)} req/s, p99 ${floor.latency.p99} ms`,
        '',
        '| connections | req/s (mean) | p50 ms | p97.5 ms | p99 ms | max ms | non-2xx |',
        '|---:|---:|---:|---:|---:|---:|---:|',
        ...results.map(
          ({ connections, r }) =>
            `| ${connections} | ${fmt(r.requests.average, 0)} | ${r.latency.p50} | ${r.latency.p97_5} | ${r.latency.p99} | ${r.latency.max} | ${r.non2xx + r.errors} |`,
        ),
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
    await database.drop();
  }
}
