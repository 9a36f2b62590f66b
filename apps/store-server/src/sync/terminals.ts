import { createHash, randomInt } from 'node:crypto';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { type ApiKeyIdentity, issueApiKey } from '../auth/api-keys';
import { appendEvents } from '../db/events';
import { inTransaction } from '../db/pool';
import { AppError } from '../errors';

/**
 * Terminals and their enrollment. A manager makes a one-time code; the terminal
 * exchanges it for its token: an API key with role `terminal` (stored hashed), tied to a
 * `terminals` row. Revoking the terminal revokes the key and disconnects its sockets.
 */

export interface Terminal {
  id: string;
  storeId: string;
  name: string;
  apiKeyId: string;
  enrolledAt: Date;
  revokedAt: Date | null;
  lastSeenAt: Date | null;
  lastSeq: number | null;
}

interface TerminalRow {
  id: string;
  store_id: string;
  name: string;
  api_key_id: string;
  enrolled_at: Date;
  revoked_at: Date | null;
  last_seen_at: Date | null;
  last_seq: string | null;
}

const toTerminal = (r: TerminalRow): Terminal => ({
  id: r.id,
  storeId: r.store_id,
  name: r.name,
  apiKeyId: r.api_key_id,
  enrolledAt: r.enrolled_at,
  revokedAt: r.revoked_at,
  lastSeenAt: r.last_seen_at,
  lastSeq: r.last_seq === null ? null : Number(r.last_seq),
});

// No 0/O, 1/I/L: codes are read off one screen and typed on another.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** 12 characters of a 31-letter alphabet: 59 bits, too many to guess within a code's lifetime. */
const CODE_LENGTH = 12;

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/** Codes are compared without dashes, spaces or case. */
const hashCode = (code: string) =>
  createHash('sha256')
    .update(code.toUpperCase().replace(/[^A-Z0-9]/g, ''), 'utf8')
    .digest();

export async function createEnrollmentCode(
  db: pg.Pool,
  input: { storeId: string; terminalName: string; expiresInMinutes: number; createdBy: string | null },
): Promise<{ code: string; expiresAt: Date }> {
  const code = newCode();
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO terminal_enrollment_codes (code_hash, store_id, terminal_name, created_by, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5)) RETURNING expires_at`,
    [hashCode(code), input.storeId, input.terminalName, input.createdBy, input.expiresInMinutes],
  );
  return { code, expiresAt: rows[0]?.expires_at ?? new Date() };
}

export interface Enrollment {
  terminalId: string;
  storeId: string;
  name: string;
  /** The terminal's token: shown once, only its hash is kept. */
  token: string;
}

/** Exchanges a one-time code for a terminal token. A code works once, before it expires. */
export async function enrollTerminal(db: pg.Pool, input: { code: string; name?: string }): Promise<Enrollment> {
  return inTransaction(db, async (client) => {
    const hash = hashCode(input.code);
    const { rows } = await client.query<{ store_id: string; terminal_name: string }>(
      `UPDATE terminal_enrollment_codes SET used_at = now()
       WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now()
       RETURNING store_id, terminal_name`,
      [hash],
    );
    const code = rows[0];
    if (!code) {
      const { rows: found } = await client.query<{ used_at: Date | null; expires_at: Date }>(
        'SELECT used_at, expires_at FROM terminal_enrollment_codes WHERE code_hash = $1',
        [hash],
      );
      const why = found[0];
      if (!why) throw new AppError(400, 'ENROLLMENT_CODE_UNKNOWN', 'This enrollment code does not exist; check it');
      if (why.used_at) {
        throw new AppError(409, 'ENROLLMENT_CODE_USED', 'This enrollment code was already used; ask for a new one');
      }
      throw new AppError(410, 'ENROLLMENT_CODE_EXPIRED', 'This enrollment code has expired; ask for a new one');
    }
    const name = input.name ?? code.terminal_name;
    const terminalId = `term_${uuidv7()}`;
    const key = await issueApiKey(client, { storeId: code.store_id, role: 'terminal', name: `terminal ${name}` });
    await client.query(`INSERT INTO terminals (id, store_id, name, api_key_id) VALUES ($1, $2, $3, $4)`, [
      terminalId,
      code.store_id,
      name,
      key.keyId,
    ]);
    await client.query('UPDATE terminal_enrollment_codes SET terminal_id = $2 WHERE code_hash = $1', [
      hash,
      terminalId,
    ]);
    await appendEvents(client, [
      { storeId: code.store_id, type: 'terminal.enrolled', payload: { terminalId, storeId: code.store_id, name } },
    ]);
    return { terminalId, storeId: code.store_id, name, token: key.key };
  });
}

/**
 * The terminal behind a terminal-role key. A key issued before enrollment existed (the
 * demo store's) becomes a terminal of its own on first use.
 */
export async function terminalOfKey(db: pg.Pool, identity: ApiKeyIdentity): Promise<Terminal> {
  if (identity.role !== 'terminal' || identity.storeId === null) throw new Error('not a terminal key');
  await db.query(
    `INSERT INTO terminals (id, store_id, name, api_key_id) VALUES ($1, $2, $3, $4) ON CONFLICT (api_key_id) DO NOTHING`,
    [`term_${identity.keyId.replace(/^key_/, '')}`, identity.storeId, identity.name, identity.keyId],
  );
  const { rows } = await db.query<TerminalRow>('SELECT * FROM terminals WHERE api_key_id = $1', [identity.keyId]);
  const row = rows[0];
  if (!row) throw new Error(`terminal of key ${identity.keyId} vanished`);
  return toTerminal(row);
}

export async function findTerminal(db: pg.Pool, storeId: string, terminalId: string): Promise<Terminal | undefined> {
  const { rows } = await db.query<TerminalRow>('SELECT * FROM terminals WHERE id = $1 AND store_id = $2', [
    terminalId,
    storeId,
  ]);
  return rows[0] && toTerminal(rows[0]);
}

export async function listTerminals(db: pg.Pool, storeId: string): Promise<Terminal[]> {
  const { rows } = await db.query<TerminalRow>('SELECT * FROM terminals WHERE store_id = $1 ORDER BY enrolled_at, id', [
    storeId,
  ]);
  return rows.map(toTerminal);
}

/** Revokes the terminal and its token. False when it was already revoked. */
export async function revokeTerminal(db: pg.Pool, storeId: string, terminalId: string): Promise<Terminal | undefined> {
  return inTransaction(db, async (client) => {
    const { rows } = await client.query<TerminalRow>(
      `UPDATE terminals SET revoked_at = now() WHERE id = $1 AND store_id = $2 AND revoked_at IS NULL RETURNING *`,
      [terminalId, storeId],
    );
    const row = rows[0];
    if (!row) return undefined;
    await client.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [row.api_key_id]);
    await appendEvents(client, [
      { storeId, type: 'terminal.revoked', payload: { terminalId, storeId, name: row.name } },
    ]);
    return toTerminal(row);
  });
}

/** When a terminal was last connected, and the cursor it said it had when it connected: shown on the dashboard. */
export async function noteTerminalSeen(
  db: pg.Pool,
  terminalId: string,
  connected?: { lastSeq: number | null; instance: string | undefined },
): Promise<void> {
  if (!connected) {
    await db.query('UPDATE terminals SET last_seen_at = now() WHERE id = $1', [terminalId]);
    return;
  }
  await db.query('UPDATE terminals SET last_seen_at = now(), last_seq = $2, last_instance = $3 WHERE id = $1', [
    terminalId,
    connected.lastSeq,
    connected.instance ?? null,
  ]);
}
