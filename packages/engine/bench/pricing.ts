/**
 * Pricing engine benchmarks: `pnpm --filter @till/engine bench` (or `pnpm bench`).
 * Prints latency percentiles; the figures and the machine they came from go in BENCHMARKS.md.
 */
import os from 'node:os';
import { bestDeal, Catalog, indexRules, PricingSession, priceCart } from '../src';
import { benchCart, benchRules, benchStore, tenDealsOverThirtyUnits } from './cases';

const AT = Date.parse('2026-11-22T15:00:00.000Z');
const OPTIONS = { timeZone: 'America/New_York', customer: { segments: ['gold'] }, shipping: { price: '7.99' } };

function measure(
  run: () => unknown,
  iterations: number,
  warmup = Math.min(500, iterations),
): { p50: number; p99: number; mean: number } {
  for (let i = 0; i < warmup; i += 1) run();
  const times = new Float64Array(iterations);
  for (let i = 0; i < iterations; i += 1) {
    const start = process.hrtime.bigint();
    run();
    times[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  times.sort();
  const at = (q: number) => times[Math.min(iterations - 1, Math.floor(q * iterations))] as number;
  return { p50: at(0.5), p99: at(0.99), mean: times.reduce((sum, value) => sum + value, 0) / iterations };
}

const ms = (value: number) => `${value.toFixed(3)} ms`;
const row = (...cells: string[]) => console.log(`| ${cells.join(' | ')} |`);

console.log(
  `# Pricing engine bench — node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}\n`,
);

const store = benchStore();
const catalog = new Catalog(store.products);
const cart = benchCart(store, 30);

function cartRow(label: string, rules: number, shop = store, shopCatalog = catalog, lines = cart) {
  const index = indexRules(benchRules(shop, rules, AT));
  const input = { ...OPTIONS, at: AT, lines, products: shopCatalog, rules: index };
  const priced = priceCart(input);
  const candidates = new Set(
    lines.flatMap((line) => index.rulesFor(shopCatalog.get(line.sku) as never).all.map((rule) => rule.id)),
  );
  const discounted = priced.lines.filter(
    (line) => line.discount !== priced.lines[0]?.discount.replace(/\d/g, '0') || line.adjustment,
  ).length;
  const result = measure(() => priceCart(input), 4_000);
  row(
    label,
    String(rules),
    String(candidates.size),
    String(discounted),
    ms(result.p50),
    ms(result.p99),
    ms(result.mean),
  );
}

console.log('## A 30-line cart against N active rules (index and catalog built once)\n');
console.log('Store: 10,000 products in 400 categories; rules name 1–5 SKUs or one category (see bench/cases.ts).\n');
row('store', 'rules', 'rules that can apply to the cart', 'lines with a price change', 'p50', 'p99', 'mean');
row('---', '---', '---', '---', '---', '---', '---');
for (const count of [100, 1_000, 10_000]) cartRow('10k products', count);
const dense = benchStore(5_000, 100);
const denseCatalog = new Catalog(dense.products);
cartRow('dense: 5k products, 100 categories', 1_000, dense, denseCatalog, benchCart(dense, 30));

console.log('\n## Best deal: 10 competing mix-and-match deals over 30 units\n');
const { types, deals } = tenDealsOverThirtyUnits();
const solution = bestDeal(types, deals);
const search = measure(() => bestDeal(types, deals), 200, 20);
row('exact (proved optimal)', 'sets', 'search nodes', 'p50', 'p99');
row('---', '---', '---', '---', '---');
row(
  String(solution.exact),
  String(solution.applications.length),
  String(solution.nodes),
  ms(search.p50),
  ms(search.p99),
);

console.log('\n## Re-pricing after one scan (30 lines, 1,000 rules)\n');
const index = indexRules(benchRules(store, 1_000, AT));
const before = cart.slice(0, 29);
const scans = benchCart(store, 400, 99).filter((line) => !before.some((known) => known.sku === line.sku));
const full = measure(() => priceCart({ ...OPTIONS, at: AT, lines: cart, products: catalog, rules: index }), 2_000);
const session = new PricingSession({ ...OPTIONS, products: catalog, rules: index });
session.price(AT, before);
let next = 0;
const incremental = measure(
  () => {
    const scanned = scans[next++ % scans.length] as { sku: string; qty: number };
    session.price(AT + next, [...before, scanned]);
  },
  2_000,
  200,
);
row('how', 'p50', 'p99');
row('---', '---', '---');
row('full price (priceCart)', ms(full.p50), ms(full.p99));
row('session.price after a scan', ms(incremental.p50), ms(incremental.p99));
console.log(`\nincremental / full (p50): ${(incremental.p50 / full.p50).toFixed(2)}`);
