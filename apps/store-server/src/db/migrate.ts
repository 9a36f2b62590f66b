import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';

export const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');
const MIGRATIONS_TABLE = 'pgmigrations';

/** Migration names in order, as node-pg-migrate records them (file name without extension). */
export function migrationNames(): string[] {
  return fs
    .readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => f.replace(/\.sql$/, ''));
}

/** Applies every pending migration, in one transaction, under node-pg-migrate's advisory lock. */
export async function migrate(databaseUrl: string, log: (message: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    migrationsTable: MIGRATIONS_TABLE,
    direction: 'up',
    checkOrder: true,
    singleTransaction: true,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}

/** Names of migrations that exist as files but are not applied to this database. */
export async function pendingMigrations(db: pg.Pool | pg.PoolClient): Promise<string[]> {
  const exists = await db.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ok`, [MIGRATIONS_TABLE]);
  const done = new Set<string>();
  if (exists.rows[0]?.ok) {
    const rows = await db.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`);
    for (const r of rows.rows) done.add(r.name);
  }
  return migrationNames().filter((name) => !done.has(name));
}
