import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';

export const ROLES = ['storefront', 'terminal', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyIdentity {
  keyId: string;
  role: Role;
  /** null only for an admin key that spans every store. */
  storeId: string | null;
  name: string;
}

export interface IssuedKey extends ApiKeyIdentity {
  /** The secret: shown once, never stored. */
  key: string;
}

const PREFIX: Record<Role, string> = { storefront: 'sf', terminal: 'tm', manager: 'mg', admin: 'ad' };

const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest();

export async function issueApiKey(
  db: pg.Pool | pg.PoolClient,
  input: { storeId: string | null; role: Role; name: string },
): Promise<IssuedKey> {
  const key = `till_${PREFIX[input.role]}_${randomBytes(24).toString('base64url')}`;
  const keyId = `key_${uuidv7()}`;
  await db.query(
    `INSERT INTO api_keys (id, store_id, role, name, key_hash, key_prefix) VALUES ($1, $2, $3, $4, $5, $6)`,
    [keyId, input.storeId, input.role, input.name, hashKey(key), key.slice(0, 12)],
  );
  return { keyId, key, role: input.role, storeId: input.storeId, name: input.name };
}

/** The identity behind a key, or undefined for an unknown or revoked key. */
export async function verifyApiKey(db: pg.Pool, key: string): Promise<ApiKeyIdentity | undefined> {
  if (!/^till_[a-z]{2}_[A-Za-z0-9_-]{20,64}$/.test(key)) return undefined;
  const { rows } = await db.query<{ id: string; role: Role; store_id: string | null; name: string }>(
    `UPDATE api_keys SET last_used_at = now()
     WHERE key_hash = $1 AND revoked_at IS NULL
       AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
     RETURNING id, role, store_id, name`,
    [hashKey(key)],
  );
  let row = rows[0];
  if (!row) {
    // Recently used keys skip the write above; read them instead.
    const found = await db.query<{ id: string; role: Role; store_id: string | null; name: string }>(
      `SELECT id, role, store_id, name FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hashKey(key)],
    );
    row = found.rows[0];
  }
  return row ? { keyId: row.id, role: row.role, storeId: row.store_id, name: row.name } : undefined;
}

export async function revokeApiKey(db: pg.Pool, keyId: string): Promise<boolean> {
  const r = await db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [keyId]);
  return (r.rowCount ?? 0) > 0;
}
