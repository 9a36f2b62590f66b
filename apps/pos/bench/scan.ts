/**
 * Scan → total through the terminal core, with 10,000 products and 1,000 rules: each sample
 * is one `checkout.scan` call (catalog lookup, checkout cache, engine, cart write to SQLite)
 * until its answer (the total the screen shows) is back. Carts grow to 30 lines, then are paid.
 */
import { performance } from 'node:perf_hooks';
import { openSqliteDb } from '../src/core/platform/db';
import { enginePricing } from '../src/core/pricing';
import { createTerminal } from '../src/core/terminal';
import { demoCustomers, demoProducts, demoRules, loadDemoSnapshot, random } from './fixtures';
import { ms, summarize } from './stats';
import { benchDir } from './support';

export async function scanBench(options: { products: number; rules: number; scans: number }) {
  const dir = benchDir('scan');
  const db = openSqliteDb(dir.file('terminal.db'));
  const terminal = createTerminal({ db, pricing: enginePricing() });
  const products = demoProducts(options.products);
  const rules = demoRules(products, options.rules, Date.now());
  loadDemoSnapshot(terminal, { products, rules, customers: demoCustomers(1000), asOf: 1 });
  terminal.settings.set('terminal', { id: 'term_bench', name: 'B1', storeId: 'demo', serverUrl: '', token: '' });
  await terminal.app.call('session.signIn', { cashier: 'Bench' });
  // Scan items that rules concern as often as real shoppers pick offers.
  const ruled = rules.flatMap((r) => (r.appliesTo as { skus?: string[] } | undefined)?.skus ?? []);
  const next = random(1);
  const nextIndex = (n: number) => Math.floor(next() * n);
  const barcodes = new Map(products.map((p) => [p.sku, p.barcode]));
  const samples: number[] = [];
  const first: number[] = [];
  let lines = 0;
  for (let i = 0; i < options.scans; i++) {
    const barcode =
      nextIndex(3) === 0
        ? (barcodes.get(ruled[nextIndex(ruled.length)] ?? '') ?? '')
        : (products[nextIndex(products.length)]?.barcode ?? '');
    const started = performance.now();
    const result = await terminal.app.call('checkout.scan', { code: barcode, source: 'scanner' });
    const took = performance.now() - started;
    if (!result.ok) throw new Error(result.error.message);
    (lines === 0 ? first : samples).push(took);
    lines = result.value.lines.length;
    if (lines >= 30) {
      const paid = await terminal.app.call('checkout.tender', { method: 'card' });
      if (!paid.ok) throw new Error(paid.error.message);
      lines = 0;
    }
  }
  await terminal.close();
  dir.remove();
  const all = summarize([...samples, ...first]);
  const opening = summarize(first);
  console.log(
    `scan → total (core), ${options.products.toLocaleString('en-US')} products, ${options.rules} rules, ${all.n} scans:` +
      ` median ${ms(all.median)}, p99 ${ms(all.p99)}, max ${ms(all.max)}` +
      ` (first scan of a sale, which opens its window: median ${ms(opening.median)}, p99 ${ms(opening.p99)})`,
  );
  return all;
}
