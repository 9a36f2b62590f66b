import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate, migrationsDir } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { seedDemoStore } from '../../src/seed/seed-demo-store';

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/**
 * Test databases are copies of two templates: one migrated, one migrated and seeded with
 * the demo store. Template names carry a hash of what made them, so a changed migration
 * (or a branch with other migrations on the same server) gets its own.
 */
export interface TemplateNames {
  migrated: string;
  demo: string;
}

function hashFiles(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update(fs.readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}

export function templateNames(): TemplateNames {
  const migrations = fs
    .readdirSync(migrationsDir)
    .sort()
    .map((f) => path.join(migrationsDir, f));
  const migrated = `till_tpl_${hashFiles(migrations)}`;
  const seedFiles = ['seed/demo-catalog.ts', 'seed/seed-demo-store.ts', 'seed/ean13.ts', 'pricing/demo-seed.ts'].map(
    (f) => path.join(srcDir, f),
  );
  return { migrated, demo: `${migrated}_${hashFiles(seedFiles)}` };
}

export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function exists(admin: pg.Client, name: string): Promise<boolean> {
  const r = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return (r.rowCount ?? 0) > 0;
}

/** Builds missing templates, under an advisory lock so that concurrent test runs do not race. */
export async function ensureTemplates(adminUrl: string): Promise<TemplateNames> {
  const names = templateNames();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`SELECT pg_advisory_lock(hashtext('till.test-templates'))`);
    if (!(await exists(admin, names.migrated))) {
      const building = `${names.migrated}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      await migrate(databaseUrl(adminUrl, building));
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${names.migrated}`);
    }
    if (!(await exists(admin, names.demo))) {
      const building = `${names.demo}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building} TEMPLATE ${names.migrated}`);
      const pool = createPool(databaseUrl(adminUrl, building), 2);
      try {
        await seedDemoStore(pool);
      } finally {
        await pool.end();
      }
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${names.demo}`);
    }
    return names;
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(hashtext('till.test-templates'))`).catch(() => {});
    await admin.end();
  }
}

/** Drops the test databases of runs whose process is gone (a run killed before its teardown). */
export async function dropOrphanedTestDatabases(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'till\\_test\\_%'`,
    );
    for (const { datname } of rows) {
      const pid = Number(datname.split('_')[2]);
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (error) {
        alive = (error as NodeJS.ErrnoException).code === 'EPERM';
      }
      if (!alive) await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

/** Drops every test database made by the run whose main process is `runPid`. */
export async function dropRunDatabases(adminUrl: string, runPid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `till\\_test\\_${runPid}\\_%`,
    ]);
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}
