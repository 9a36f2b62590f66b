import { type ClientKind, checkProtocol, describeIssues, handshakeSchema, type RefusalCode } from '@till/sync';
import type pg from 'pg';
import type { Role } from '../auth/api-keys';
import { verifyApiKey } from '../auth/api-keys';
import { terminalOfKey } from '../sync/terminals';

/** Who is on the other end of a socket, decided once when it connects. */
export interface SocketSession {
  /** The sync protocol of this connection: the client's own (the server speaks every supported one). */
  protocol: number;
  kind: ClientKind;
  storeId: string;
  /** Set for terminals. */
  terminalId: string | null;
  name: string;
  keyId: string;
  /** The cursor the client said it had when it connected. */
  lastSeq: number | null;
  instance: string | undefined;
}

/** A connection the server refuses, with the words the client shows. */
export class ConnectRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectRefusal';
  }
}

const ROLES_FOR: Record<ClientKind, { roles: readonly Role[]; described: string }> = {
  terminal: { roles: ['terminal'], described: 'a terminal token (from enrollment)' },
  dashboard: { roles: ['manager', 'admin'], described: 'a manager key' },
  storefront: { roles: ['storefront', 'manager', 'admin'], described: 'a storefront key' },
};

const clientName = (auth: unknown): string => {
  const kind = typeof auth === 'object' && auth !== null ? (auth as { client?: unknown }).client : undefined;
  return typeof kind === 'string' && kind in ROLES_FOR ? kind : 'client';
};

/** Checks a socket's handshake: protocol, token, role, store, terminal. Throws ConnectRefusal. */
export async function authorize(db: pg.Pool, auth: unknown): Promise<SocketSession> {
  const protocol = typeof auth === 'object' && auth !== null ? (auth as { protocol?: unknown }).protocol : undefined;
  const compatible = checkProtocol(protocol, 'store server', clientName(auth));
  if (!compatible.ok) throw new ConnectRefusal(compatible.code, compatible.message);

  const parsed = handshakeSchema.safeParse(auth);
  if (!parsed.success) {
    throw new ConnectRefusal('INVALID_HANDSHAKE', `The handshake is not valid: ${describeIssues(parsed.error)}`);
  }
  const handshake = parsed.data;
  const identity = await verifyApiKey(db, handshake.token);
  if (!identity) {
    throw new ConnectRefusal(
      'UNAUTHENTICATED',
      handshake.client === 'terminal'
        ? 'The terminal token is unknown or was revoked: enroll this terminal again with a new code.'
        : 'The API key is unknown or was revoked.',
    );
  }
  const wanted = ROLES_FOR[handshake.client];
  if (!wanted.roles.includes(identity.role)) {
    throw new ConnectRefusal(
      'WRONG_KEY_ROLE',
      `A ${handshake.client} connects with ${wanted.described}; this is a ${identity.role} key.`,
    );
  }

  let storeId: string;
  if (identity.storeId === null) {
    if (!handshake.storeId) throw new ConnectRefusal('STORE_REQUIRED', 'An admin key must name the store ("storeId").');
    const found = await db.query('SELECT 1 FROM stores WHERE id = $1', [handshake.storeId]);
    if (found.rowCount === 0)
      throw new ConnectRefusal('STORE_MISMATCH', `There is no store "${handshake.storeId}" here.`);
    storeId = handshake.storeId;
  } else if (handshake.storeId && handshake.storeId !== identity.storeId) {
    throw new ConnectRefusal(
      'STORE_MISMATCH',
      `This token belongs to store "${identity.storeId}", not "${handshake.storeId}": connect to its own store, or enroll again for "${handshake.storeId}".`,
    );
  } else {
    storeId = identity.storeId;
  }

  let terminalId: string | null = null;
  let name = identity.name;
  if (handshake.client === 'terminal') {
    const terminal = await terminalOfKey(db, identity);
    if (terminal.revokedAt) {
      throw new ConnectRefusal(
        'TERMINAL_REVOKED',
        `Terminal "${terminal.name}" was revoked by a manager: enroll it again.`,
      );
    }
    terminalId = terminal.id;
    name = terminal.name;
  }
  return {
    protocol: handshake.protocol,
    kind: handshake.client,
    storeId,
    terminalId,
    name,
    keyId: identity.keyId,
    lastSeq: handshake.lastSeq,
    instance: handshake.instance,
  };
}
