import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { issueApiKey, verifyApiKey } from '../auth/api-keys';

export interface DemoKeys {
  storefront: string;
  manager: string;
  terminal: string;
}

/**
 * The demo store's keys, printed at every start. Only hashes are in the database, so
 * the secrets are kept in `<dataDir>/demo-keys.json` (mode 600); if that file is gone or
 * its keys were revoked, new ones are issued.
 */
export async function ensureDemoKeys(pool: pg.Pool, dataDir: string, storeId: string): Promise<DemoKeys> {
  const file = path.join(dataDir, 'demo-keys.json');
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoKeys & { storeId?: string };
    const checks = await Promise.all(
      [saved.storefront, saved.manager, saved.terminal].map((k) => verifyApiKey(pool, k)),
    );
    if (saved.storeId === storeId && checks.every((identity) => identity?.storeId === storeId)) return saved;
  } catch {
    // missing or unreadable: issue new keys below
  }
  const [storefront, manager, terminal] = await Promise.all([
    issueApiKey(pool, { storeId, role: 'storefront', name: 'Demo storefront' }),
    issueApiKey(pool, { storeId, role: 'manager', name: 'Demo manager' }),
    issueApiKey(pool, { storeId, role: 'terminal', name: 'Demo terminal' }),
  ]);
  const keys = { storefront: storefront.key, manager: manager.key, terminal: terminal.key };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ storeId, ...keys }, null, 2), { mode: 0o600 });
  return keys;
}
