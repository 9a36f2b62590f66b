import type pg from 'pg';
import type { Customer, CustomerInput } from '../api/customers';
import { appendEvents } from '../db/events';
import { AppError } from '../errors';

/** Customers of a store: stored, found by loyalty card or phone, and announced as events. */

interface CustomerRow {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  loyalty_card: string | null;
  segments: string[];
  revision: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, email, phone, loyalty_card, segments, revision, created_at, updated_at';

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    loyaltyCard: row.loyalty_card,
    segments: row.segments,
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** "+1 (212) 555-0101" → "+12125550101": what is stored and what lookups compare. */
export function normalizePhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return phone.trim().startsWith('+') ? `+${digits}` : digits;
}

const UNIQUE_FIELDS: Record<string, string> = {
  customers_store_id_loyalty_card_key: 'loyaltyCard',
  customers_store_id_phone_key: 'phone',
};

export async function upsertCustomer(
  client: pg.PoolClient,
  storeId: string,
  id: string,
  input: CustomerInput,
): Promise<{ customer: Customer; created: boolean; changed: boolean }> {
  const values = [
    storeId,
    id,
    input.name,
    input.email ?? null,
    input.phone ? normalizePhone(input.phone) : null,
    input.loyaltyCard ?? null,
    input.segments,
  ];
  let rows: Array<CustomerRow & { inserted: boolean }>;
  try {
    ({ rows } = await client.query<CustomerRow & { inserted: boolean }>(
      `INSERT INTO customers AS c (store_id, id, name, email, phone, loyalty_card, segments)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (store_id, id) DO UPDATE
         SET name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,
             loyalty_card = EXCLUDED.loyalty_card, segments = EXCLUDED.segments,
             revision = c.revision + 1, updated_at = now()
         WHERE (c.name, c.email, c.phone, c.loyalty_card, c.segments)
               IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.phone, EXCLUDED.loyalty_card, EXCLUDED.segments)
       RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
      values,
    ));
  } catch (error) {
    const e = error as { code?: string; constraint?: string };
    const field = e.code === '23505' && e.constraint ? UNIQUE_FIELDS[e.constraint] : undefined;
    if (field) {
      throw new AppError(409, 'CONFLICT', `Another customer of this store already has this ${field}`, {
        fields: [{ field: `body.${field}`, problem: 'belongs to another customer' }],
      });
    }
    throw error;
  }
  const written = rows[0];
  if (!written) {
    // Nothing differs from what is stored: no new revision, no event.
    const current = await findCustomer(client, storeId, { id });
    if (!current) throw new Error(`customer ${id} vanished during its upsert`);
    return { customer: current, created: false, changed: false };
  }
  const customer = toCustomer(written);
  await appendEvents(client, [{ storeId, type: 'customer.upserted', payload: { customer } }]);
  return { customer, created: written.inserted, changed: true };
}

export type CustomerKey = { id: string } | { loyaltyCard: string } | { phone: string };

export async function findCustomer(
  db: pg.Pool | pg.PoolClient,
  storeId: string,
  key: CustomerKey,
): Promise<Customer | undefined> {
  if ('phone' in key) return findByPhone(db, storeId, key.phone);
  const [column, value] = 'id' in key ? ['id', key.id] : ['loyalty_card', key.loyaltyCard];
  const { rows } = await db.query<CustomerRow>(
    `SELECT ${COLUMNS} FROM customers WHERE store_id = $1 AND ${column} = $2`,
    [storeId, value],
  );
  return rows[0] ? toCustomer(rows[0]) : undefined;
}

/**
 * A phone number as a cashier types it, with or without the country code: the last ten
 * digits decide (as in the terminals' replica), an exact match wins over a suffix match.
 */
async function findByPhone(db: pg.Pool | pg.PoolClient, storeId: string, phone: string) {
  const exact = normalizePhone(phone);
  const digits = exact.replace(/\D/g, '');
  if (digits.length < 6) return undefined;
  const { rows } = await db.query<CustomerRow>(
    `SELECT ${COLUMNS} FROM customers
     WHERE store_id = $1 AND phone IS NOT NULL AND right(ltrim(phone, '+'), 10) = $2
     ORDER BY phone = $3 DESC, phone LIMIT 1`,
    [storeId, digits.slice(-10), exact],
  );
  return rows[0] ? toCustomer(rows[0]) : undefined;
}

export async function listCustomers(
  db: pg.Pool,
  storeId: string,
  query: { q?: string; segment?: string; limit: number; cursor?: string },
): Promise<{ items: Customer[]; nextCursor: string | null }> {
  const params: unknown[] = [storeId];
  const where = ['store_id = $1'];
  if (query.q) {
    params.push(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(name ILIKE $${params.length} OR email ILIKE $${params.length})`);
  }
  if (query.segment) {
    params.push(query.segment);
    where.push(`$${params.length} = ANY (segments)`);
  }
  if (query.cursor) {
    params.push(query.cursor);
    where.push(`id > $${params.length}`);
  }
  params.push(query.limit + 1);
  const { rows } = await db.query<CustomerRow>(
    `SELECT ${COLUMNS} FROM customers WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  return { items: page.map(toCustomer), nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null };
}
