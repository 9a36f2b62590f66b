import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function benchDir(name: string): { dir: string; file: (f: string) => string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `till-pos-bench-${name}-`));
  return { dir, file: (f) => path.join(dir, f), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
