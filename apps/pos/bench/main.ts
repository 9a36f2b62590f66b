/** `pnpm --filter @till/pos bench`: the POS terminal's figures (see BENCHMARKS.md). */
import { initialSyncBench } from './initial-sync';
import { replicaBench } from './replica';
import { scanBench } from './scan';
import { startupAndScreenBench } from './startup';

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);

if (wanted('scan')) await scanBench({ products: 10_000, rules: 1_000, scans: 3_000 });
if (wanted('startup')) await startupAndScreenBench({ products: 10_000, rules: 1_000, starts: 5, scans: 600 });
if (wanted('replica')) await replicaBench({ products: 100_000, rules: 1_000 });
if (wanted('sync')) await initialSyncBench({ products: 100_000 });
