import { openSqliteDb } from '../src/core/platform/db';
import { enginePricing } from '../src/core/pricing';
import { createTerminal } from '../src/core/terminal';
import { type CatalogItem, demoCustomers, demoProducts, demoRules, loadDemoSnapshot } from './fixtures';

/** A terminal data folder as after enrollment and a first sync: catalog, rules, a signed-in cashier. */
export async function prepareTerminalData(
  dir: string,
  options: { products: number; rules: number },
): Promise<{ products: CatalogItem[]; rules: Record<string, unknown>[] }> {
  const terminal = createTerminal({ db: openSqliteDb(`${dir}/terminal.db`), pricing: enginePricing() });
  const products = demoProducts(options.products);
  const rules = demoRules(products, options.rules, Date.now());
  loadDemoSnapshot(terminal, { products, rules, customers: demoCustomers(1000), asOf: 1 });
  terminal.settings.set('terminal', { id: 'term_bench', name: 'B1', storeId: 'demo', serverUrl: '', token: '' });
  terminal.settings.set('cashier', 'Bench');
  await terminal.close();
  return { products, rules };
}
