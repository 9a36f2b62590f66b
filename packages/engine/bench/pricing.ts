/**
 * Pricing engine benchmarks: `pnpm --filter @till/engine bench` (or `pnpm bench`).
 * Prints latency percentiles and CPU time per call; the figures go in BENCHMARKS.md.
 */
import os from 'node:os';
import { bestDeal, Catalog, indexRules, PricingSession, priceCart } from '../src';
import { benchCart, benchRules, benchStore, type Store, tenDealsOverThirtyUnits } from './cases';

const AT = Date.parse('2026-11-22T15:00:00.000Z');
const OPTIONS = { timeZone: 'America/New_York', customer: { segments: ['gold'] }, shipping: { price: '7.99' } };

interface Measure {
  p50: number;
  p99: number;
  mean: number;
  /** CPU time per call: on a shared machine the wall clock also counts waiting for a core. */
  cpu: number;
}

/** Calls before measuring: enough for V8 to have optimised the pricing code (a few thousand). */
const WARMUP = 3_000;
/** And at least this long, so that collecting what building the stores left is over too. */
const WARMUP_MS = 500;

/**
 * Times `run`; with `prepare`, each call is prepared first, outside the time (and the CPU time
 * is then read around each call).
 */
function measure(run: () => unknown, iterations: number, warmup = WARMUP, prepare?: () => void): Measure {
  const until = performance.now() + (warmup > 0 ? WARMUP_MS : 0);
  for (let i = 0; i < warmup || performance.now() < until; i += 1) {
    prepare?.();
    run();
  }
  const times = new Float64Array(iterations);
  let cpuMicros = 0;
  const loopBefore = process.cpuUsage();
  for (let i = 0; i < iterations; i += 1) {
    prepare?.();
    const cpuBefore = prepare ? process.cpuUsage() : undefined;
    const start = process.hrtime.bigint();
    run();
    times[i] = Number(process.hrtime.bigint() - start) / 1e6;
    if (cpuBefore) {
      const cpu = process.cpuUsage(cpuBefore);
      cpuMicros += cpu.user + cpu.system;
    }
  }
  if (!prepare) {
    const cpu = process.cpuUsage(loopBefore);
    cpuMicros = cpu.user + cpu.system;
  }
  times.sort();
  const at = (q: number) => times[Math.min(iterations - 1, Math.floor(q * iterations))] as number;
  return {
    p50: at(0.5),
    p99: at(0.99),
    mean: times.reduce((sum, value) => sum + value, 0) / iterations,
    cpu: cpuMicros / 1000 / iterations,
  };
}

const ms = (value: number) => `${value.toFixed(3)} ms`;
const row = (...cells: string[]) => console.log(`| ${cells.join(' | ')} |`);
const load = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

console.log(
  `# Pricing engine bench — node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load ${load()}\n`,
);

const store = benchStore();
const catalog = new Catalog(store.products);
const cart = benchCart(store, 30);

function cartRow(
  label: string,
  rules: number,
  shop: Store,
  shopCatalog: Catalog,
  lines: { sku: string; qty: number }[],
) {
  const index = indexRules(benchRules(shop, rules, AT));
  const input = { ...OPTIONS, at: AT, lines, products: shopCatalog, rules: index };
  const priced = priceCart(input);
  const candidates = new Set(
    lines.flatMap((line) => {
      const product = shopCatalog.get(line.sku);
      return product ? index.rulesFor(product).all.map((rule) => rule.id) : [];
    }),
  );
  const changed = priced.lines.filter((line) => Number(line.discount) > 0 || line.adjustment).length;
  const result = measure(() => priceCart(input), 4_000);
  row(label, String(rules), String(candidates.size), String(changed), ms(result.p50), ms(result.p99), ms(result.cpu));
}

console.log('## A 30-line cart against N active rules (index and catalog built once)\n');
console.log('Rules name 1–5 SKUs or one category, with windows, segments and coupons (bench/cases.ts).\n');
row(
  'store',
  'active rules',
  'rules that can apply to the cart',
  'lines with a price change',
  'p50',
  'p99',
  'CPU per price',
);
row('---', '---', '---', '---', '---', '---', '---');
for (const count of [100, 300, 1_000, 3_000, 10_000])
  cartRow('10,000 products, 400 categories', count, store, catalog, cart);
const dense = benchStore(5_000, 100);
cartRow('denser: 5,000 products, 100 categories', 1_000, dense, new Catalog(dense.products), benchCart(dense, 30));

console.log('\n## Best deal: 10 competing mix-and-match deals over 30 units\n');
const { types, deals } = tenDealsOverThirtyUnits();
const solution = bestDeal(types, deals);
const search = measure(() => bestDeal(types, deals), 300, 50);
row('exact (proved optimal)', 'saving', 'sets', 'search nodes', 'p50', 'p99', 'CPU per search');
row('---', '---', '---', '---', '---', '---', '---');
row(
  String(solution.exact),
  solution.saving.toFixed(2),
  String(solution.applications.length),
  String(solution.nodes),
  ms(search.p50),
  ms(search.p99),
  ms(search.cpu),
);

console.log('\n## Re-pricing after one scan (30 lines, 1,000 rules)\n');
console.log(
  [
    'Each call is one scan at a checkout: a PricingSession has priced the 29 lines (not timed), and the',
    'timed call adds a 30th item, a new SKU every time, a second later: the session prices the new line and',
    'redoes the cart-wide steps (thresholds, rounding, shipping, totals, explanations). The products were',
    'met before by the catalog and index, as on a server or terminal that has been selling. The full price',
    'is priceCart of the same 30 lines. CPU time is read around each timed call in both rows.\n',
  ].join('\n'),
);
const index = indexRules(benchRules(store, 1_000, AT));
const before = cart.slice(0, 29);
const scans = benchCart(store, 6_000, 99).filter((line) => !before.some((known) => known.sku === line.sku));
for (const line of scans) priceCart({ ...OPTIONS, at: AT, lines: [line], products: catalog, rules: index });
const full = measure(
  () => priceCart({ ...OPTIONS, at: AT, lines: cart, products: catalog, rules: index }),
  2_200,
  WARMUP,
  () => undefined,
);
let next = 0;
let session = new PricingSession({ ...OPTIONS, products: catalog, rules: index });
const openCheckout = () => {
  session = new PricingSession({ ...OPTIONS, products: catalog, rules: index });
  session.price(AT + next * 1_000, before);
};
const scan = () => {
  // Each timed scan is in a fresh checkout; on a quiet machine the warm-up outlasts the list.
  const scanned = scans[next++ % scans.length] as { sku: string; qty: number };
  session.price(AT + next * 1_000, [...before, scanned]);
};
const incremental = measure(scan, 2_200, WARMUP, openCheckout);
row('how', 'p50', 'p99', 'CPU per price');
row('---', '---', '---', '---');
row('full price (priceCart)', ms(full.p50), ms(full.p99), ms(full.cpu));
row('session.price after a scan of a new item', ms(incremental.p50), ms(incremental.p99), ms(incremental.cpu));
console.log(
  `\nincremental / full: p50 ${(incremental.p50 / full.p50).toFixed(2)}, CPU ${(incremental.cpu / full.cpu).toFixed(2)}; load at the end ${load()}`,
);
