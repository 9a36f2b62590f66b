/**
 * The catalog replica at 100,000 products: how long loading a snapshot of that catalog takes
 * on the terminal (pages staged, then swapped in whole) and how big the SQLite file is.
 */
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openSqliteDb } from '../src/core/platform/db';
import { enginePricing } from '../src/core/pricing';
import { createTerminal } from '../src/core/terminal';
import { demoCustomers, demoProducts, demoRules, loadDemoSnapshot } from './fixtures';
import { benchDir } from './support';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function replicaBench(options: { products: number; rules: number }) {
  const dir = benchDir('replica');
  const file = dir.file('terminal.db');
  const products = demoProducts(options.products);
  const rules = demoRules(products, options.rules, Date.now());
  const customers = demoCustomers(10_000);
  const terminal = createTerminal({ db: openSqliteDb(file), pricing: enginePricing() });
  const started = performance.now();
  loadDemoSnapshot(terminal, { products, rules, customers, asOf: 1 });
  const took = performance.now() - started;
  terminal.outbox.pendingCount();
  await terminal.close();
  // Checkpoint the WAL into the main file so the size is the replica's, not the log's.
  const db = openSqliteDb(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const size = statSync(file).size;
  console.log(
    `catalog replica, ${products.length.toLocaleString('en-US')} products + ${rules.length} rules + ${customers.length.toLocaleString('en-US')} customers:` +
      ` snapshot applied in ${(took / 1000).toFixed(2)} s (core, SQLite), file ${mb(size)}`,
  );
  dir.remove();
  return { seconds: took / 1000, bytes: size };
}
