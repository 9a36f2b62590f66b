import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TillClient } from '../src/client';
import { PricingService } from '../src/pricing/service';
import { startTestServer, type TestServer } from './support';
import { clientsFor } from './support/pricing';

/**
 * Invariant 6: a cart is priced from one consistent snapshot of rules. A writer changes two
 * rules together, then a base price, again and again, while carts that both rules touch are
 * priced at the same time: every answer must show both rules from the same change, and the
 * rules and the base price must be exactly those of the pricing version the answer names.
 */
describe('one consistent rules snapshot per priced cart', () => {
  let server: TestServer;
  let manager: TillClient;
  let storefront: TillClient;
  let skus: [string, string];

  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: { DATABASE_POOL_SIZE: '30' } });
    ({ manager, storefront } = clientsFor(server));
    // Two cheap fashion products: no demo rule touches fashion, and they stay under the $100 threshold.
    const { rows } = await server.db.pool.query<{ sku: string }>(
      `SELECT sku FROM products WHERE category_id = 'fashion' AND base_price < 30 ORDER BY sku LIMIT 2`,
    );
    skus = [rows[0]?.sku as string, rows[1]?.sku as string];
  });
  afterAll(() => server.stop());

  const generation = (n: number) => [
    {
      rule: {
        id: 'pair-a',
        kind: 'discount',
        name: `gen-${n}`,
        appliesTo: { skus: [skus[0]] },
        percentOff: String(10 + (n % 50)),
      },
    },
    {
      rule: {
        id: 'pair-b',
        kind: 'discount',
        name: `gen-${n}`,
        appliesTo: { skus: [skus[1]] },
        percentOff: String(10 + (n % 50)),
      },
    },
  ];

  it('never mixes two versions of the rules in one cart, and names the version that priced it', async () => {
    const stateAtVersion = new Map<number, { generation: string; basePrice: string }>();
    const basePriceOf = (n: number) => `${20 + (n % 9)}.00`;
    await manager.products.setBasePrice({ params: { sku: skus[0] }, body: { price: basePriceOf(0) } });
    const first = await manager.rules.batch({ body: { upsert: generation(0) } });
    stateAtVersion.set(first.pricingVersion, { generation: 'gen-0', basePrice: basePriceOf(0) });

    let writing = true;
    const writer = (async () => {
      for (let n = 1; writing && n < 400; n++) {
        const rules = await manager.rules.batch({ body: { upsert: generation(n) } });
        stateAtVersion.set(rules.pricingVersion, { generation: `gen-${n}`, basePrice: basePriceOf(n - 1) });
        const price = await manager.products.setBasePrice({
          params: { sku: skus[0] },
          body: { price: basePriceOf(n) },
        });
        stateAtVersion.set(price.pricingVersion, { generation: `gen-${n}`, basePrice: basePriceOf(n) });
      }
    })();

    const answers: Array<{ version: number; names: string[]; basePrice: string | undefined }> = [];
    const shopper = async () => {
      for (let i = 0; i < 40; i++) {
        const cart = await storefront.carts.price({
          body: { lines: skus.map((sku) => ({ sku, qty: 1 })) },
        });
        answers.push({
          version: cart.rulesSnapshot.version,
          names: cart.lines.flatMap((l) => l.discounts.map((d) => d.name ?? '')),
          basePrice: cart.lines[0]?.basePrice,
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, shopper));
    writing = false;
    await writer;

    const versionsSeen = new Set(answers.map((a) => a.version));
    expect(versionsSeen.size).toBeGreaterThan(3); // the rules really changed while carts were priced
    for (const answer of answers) {
      expect(answer.names).toHaveLength(2);
      expect(answer.names[0]).toBe(answer.names[1]);
      expect(answer.names[0]).toBe(stateAtVersion.get(answer.version)?.generation);
      expect(answer.basePrice).toBe(stateAtVersion.get(answer.version)?.basePrice);
    }
  });

  it('reads the facts again when the rules moved on between its two reads', async () => {
    // A real database behind a wrapper that, right after the service has read a cart's facts
    // the first time, commits a new base price and caches the newer rules snapshot: the race
    // the concurrent test above can only hit by chance, made to happen every time.
    const pool = server.db.pool;
    let service: PricingService | undefined;
    let raced = false;
    const racing = new Proxy(pool, {
      get(target, property, receiver) {
        if (property !== 'query') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<pg.Pool['query']>) => {
          const result = await (target.query as (...a: unknown[]) => Promise<unknown>)(...args);
          const sql = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
          if (!raced && sql?.includes('AS products')) {
            raced = true;
            await manager.products.setBasePrice({ params: { sku: skus[0] }, body: { price: '77.00' } });
            const { rows } = await pool.query<{ version: string }>(
              `SELECT version::text FROM pricing_versions WHERE store_id = 'demo'`,
            );
            await service?.snapshots.at('demo', Number(rows[0]?.version));
          }
          return result;
        };
      },
    });
    await manager.products.setBasePrice({ params: { sku: skus[0] }, body: { price: '66.00' } });
    service = new PricingService(racing, undefined);
    const cart = await service.priceCart({ storeId: 'demo', lines: [{ sku: skus[0], qty: 1 }] });
    expect(raced).toBe(true);
    expect(cart.lines[0]?.basePrice).toBe('77.00');
    const { rows } = await pool.query<{ version: string }>(
      `SELECT version::text FROM pricing_versions WHERE store_id = 'demo'`,
    );
    expect(cart.rulesSnapshot.version).toBe(Number(rows[0]?.version));
  });
});
