import type pg from 'pg';

export interface NewEvent {
  storeId: string | null;
  type: string;
  payload: Record<string, unknown>;
}

/**
 * Appends events in the caller's transaction: a change and its event commit together
 * or not at all. Returns the sequence numbers given to them, in order.
 */
export async function appendEvents(client: pg.PoolClient | pg.Pool, events: NewEvent[]): Promise<bigint[]> {
  if (events.length === 0) return [];
  const result = await client.query<{ seq: string }>(
    `INSERT INTO events (store_id, type, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
     RETURNING seq`,
    [events.map((e) => e.storeId), events.map((e) => e.type), events.map((e) => JSON.stringify(e.payload))],
  );
  return result.rows.map((r) => BigInt(r.seq));
}
