import type pg from 'pg';
import { type ApiError, createTillClient, type TillClient } from '../../src/client';
import type { TestServer } from './index';

/** Typed API clients for a test server, one per role. */
export function clientsFor(server: TestServer): Record<'storefront' | 'terminal' | 'manager' | 'admin', TillClient> {
  const make = (apiKey: string) => createTillClient({ baseUrl: server.url, apiKey });
  return {
    storefront: make(server.keys.storefront),
    terminal: make(server.keys.terminal),
    manager: make(server.keys.manager),
    admin: make(server.keys.admin),
  };
}

/** The ApiError a call fails with (fails the test when the call succeeds). */
export async function failureOf(call: Promise<unknown>): Promise<ApiError> {
  try {
    await call;
  } catch (error) {
    if ((error as Error).name === 'ApiError') return error as ApiError;
    throw error;
  }
  throw new Error('expected the call to fail');
}

export interface StoredEvent {
  seq: string;
  type: string;
  payload: Record<string, unknown> & { pricingVersion?: number };
}

/** Events of a store after `afterSeq`, oldest first. */
export async function eventsSince(db: pg.Pool, afterSeq: string, storeId = 'demo'): Promise<StoredEvent[]> {
  const { rows } = await db.query<StoredEvent>(
    'SELECT e.seq::text AS seq, e.type, e.payload FROM events e WHERE e.store_id = $1 AND e.seq > $2 ORDER BY e.seq',
    [storeId, afterSeq],
  );
  return rows;
}

export async function lastSeq(db: pg.Pool): Promise<string> {
  const { rows } = await db.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM events');
  return rows[0]?.seq ?? '0';
}
