import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type autocannon from 'autocannon';
import pg from 'pg';

/** Shared by the benches: a database of their own, and autocannon in another process. */

const here = path.dirname(fileURLToPath(import.meta.url));
const LOCAL_PG = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database on BENCH_DATABASE_URL's server (default: the local PostgreSQL), dropped by `drop()`. */
export async function benchDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? LOCAL_PG;
  const db = `till_bench_${name}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${db}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function loadFromAnotherProcess(options: autocannon.Options): Promise<autocannon.Result> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'load-worker.ts'), JSON.stringify(options)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`load worker exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as autocannon.Result;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
