/**
 * Makes five sales on a terminal database on disk, prints the id of each as soon as its
 * answer comes back, and kills itself with SIGKILL right after the last (no clean shutdown).
 */
import { openSqliteDb } from '../../src/core/platform/db';
import { enginePricing } from '../../src/core/pricing';
import { createTerminal } from '../../src/core/terminal';
import { IDENTITY, loadSnapshot } from './terminal';

const file = process.argv[2];
if (!file) throw new Error('usage: sell-and-die <terminal.db>');
const terminal = createTerminal({ db: openSqliteDb(file), pricing: enginePricing() });
terminal.settings.set('terminal', IDENTITY);
loadSnapshot(terminal, {});
await terminal.app.call('session.signIn', { cashier: 'Ana' });
for (const code of ['MUG', 'LAMP', 'BEAR', 'BALL', 'CABLE']) {
  await terminal.app.call('checkout.scan', { code });
  const paid = await terminal.app.call('checkout.tender', { method: 'card' });
  if (!paid.ok || !paid.value.done) throw new Error(JSON.stringify(paid));
  process.stdout.write(`DONE ${paid.value.done.receipt.data.saleId}\n`);
}
// Start another sale and die in the middle of it.
await terminal.app.call('checkout.scan', { code: 'MUG' });
process.kill(process.pid, 'SIGKILL');
