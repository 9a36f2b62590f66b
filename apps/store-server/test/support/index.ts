import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { inject } from 'vitest';
import { issueApiKey, type Role } from '../../src/auth/api-keys';
import { type Config, loadConfig } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { type RunningServer, startServer } from '../../src/server';
import { databaseUrl } from './templates';

export { freePort } from '../../src/db/embedded-postgres';
export type { TestServices } from './services';

export interface TestDatabase {
  name: string;
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file (so files run in parallel), copied from the
 * migrated template, or from the seeded demo template with `{ demo: true }`.
 */
export async function createTestDatabase(options: { demo?: boolean } = {}): Promise<TestDatabase> {
  const { pgAdminUrl } = inject('services');
  const templates = inject('templates');
  const name = `till_test_${inject('runPid')}_${randomBytes(5).toString('hex')}`;
  const template = options.demo ? templates.demo : templates.migrated;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  try {
    // Copies from one template at once can collide ("source database is being accessed"); retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = databaseUrl(pgAdminUrl, name);
  const pool = createPool(url, 10);
  return {
    name,
    url,
    pool,
    drop: async () => {
      await pool.end().catch(() => {});
      const dropper = new pg.Client({ connectionString: pgAdminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => dropper.end());
    },
  };
}

/** Config for a server under test: an ephemeral port, no demo seed unless asked, quiet logs. */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({ PORT: '0', LOG_LEVEL: 'silent', TILL_SEED_DEMO: 'false', ...overrides });
}

export type TestKeys = Record<Role, string>;

/** One key per role for `storeId` (the admin key spans every store). */
export async function issueTestKeys(pool: pg.Pool, storeId: string): Promise<TestKeys> {
  const [storefront, terminal, manager, admin] = await Promise.all([
    issueApiKey(pool, { storeId, role: 'storefront', name: 'test storefront' }),
    issueApiKey(pool, { storeId, role: 'terminal', name: 'test terminal' }),
    issueApiKey(pool, { storeId, role: 'manager', name: 'test manager' }),
    issueApiKey(pool, { storeId: null, role: 'admin', name: 'test admin' }),
  ]);
  return { storefront: storefront.key, terminal: terminal.key, manager: manager.key, admin: admin.key };
}

export interface TestServer extends RunningServer {
  db: TestDatabase;
  /** Keys for the demo store, when started with `{ demo: true }`. */
  keys: TestKeys;
  /** fetch against this server, with a key of the given role (storefront by default). */
  request(path: string, init?: RequestInit & { role?: Role | null }): Promise<Response>;
}

/** A real store server (HTTP on an ephemeral port) on a fresh test database. */
export async function startTestServer(
  options: { demo?: boolean; env?: Record<string, string | undefined> } = {},
): Promise<TestServer> {
  const db = await createTestDatabase({ demo: options.demo });
  const config = testConfig({ DATABASE_URL: db.url, ...options.env });
  const server = await startServer(config, pino({ level: config.logLevel }));
  const keys = options.demo
    ? await issueTestKeys(db.pool, 'demo')
    : ({ storefront: '', terminal: '', manager: '', admin: '' } as TestKeys);
  return {
    ...server,
    db,
    keys,
    request: (path, init = {}) => {
      const { role = 'storefront', ...rest } = init;
      const headers = new Headers(rest.headers);
      if (role && keys[role]) headers.set('authorization', `Bearer ${keys[role]}`);
      if (rest.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`${server.url}${path}`, { ...rest, headers });
    },
    stop: async () => {
      await server.stop();
      await db.drop();
    },
  };
}

/** Redis for this run, or undefined when it is missing (and the run is not CI). */
export function redisUrl(): string | undefined {
  return inject('services').redisUrl;
}

export function rabbitmqUrl(): string | undefined {
  return inject('services').rabbitmqUrl;
}

export { createPool };
