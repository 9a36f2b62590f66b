/** `pnpm --filter @till/pos bench`: the POS terminal's figures (see BENCHMARKS.md). */
import { scanBench } from './scan';

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);

if (wanted('scan')) await scanBench({ products: 10_000, rules: 1_000, scans: 3_000 });
