import {
  type ClientKind,
  handshakeFor,
  MemorySyncStore,
  type OutboxItem,
  type SalePayload,
  SyncClient,
  type SyncClientOptions,
  socketIoTransport,
  type Transport,
} from '@till/sync';
import { Decimal } from 'decimal.js';
import type pg from 'pg';
import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { appendEvents } from '../../src/db/events';
import { inTransaction } from '../../src/db/pool';
import { type RunningServer, startServer } from '../../src/server';
import { type TestDatabase, testConfig } from '../support';

/** Fast timings for tests: heartbeats and coalescing in tens of milliseconds. */
export const FAST_SYNC_ENV = {
  SYNC_HEARTBEAT_MS: '300',
  SYNC_COALESCE_MS: '50',
  SYNC_POLL_MS: '20',
};

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Enrolled {
  terminalId: string;
  token: string;
  storeId: string;
}

/** Enrolls a terminal the way a real one does: a manager makes a code, the terminal exchanges it. */
export async function enrollTerminal(
  server: { url: string; keys: { manager: string } },
  name = 'Till 1',
): Promise<Enrolled> {
  const made = await fetch(`${server.url}/v1/terminals/enrollment-codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.keys.manager}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (made.status !== 201) throw new Error(`enrollment code: ${made.status} ${await made.text()}`);
  const { code } = (await made.json()) as { code: string };
  return enrollTerminalWithCode(server.url, code);
}

export async function enrollTerminalWithCode(url: string, code: string): Promise<Enrolled> {
  const enrolled = await fetch(`${url}/v1/terminals/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  if (enrolled.status !== 201) throw new Error(`enroll: ${enrolled.status} ${await enrolled.text()}`);
  return (await enrolled.json()) as Enrolled;
}

export interface TestClient {
  client: SyncClient;
  store: MemorySyncStore;
  transport: Transport;
  stop(): Promise<void>;
}

/** A sync client on a memory store, started. `wrap` puts a fault-injecting transport around the real one. */
export function connectClient(
  url: string,
  options: {
    token: string;
    kind?: ClientKind;
    storeId?: string;
    terminalId?: string;
    store?: MemorySyncStore;
    protocol?: number;
    wrap?: (inner: Transport) => Transport;
    instance?: string;
  } & Partial<Omit<SyncClientOptions, 'transport' | 'store'>>,
): TestClient {
  const store = options.store ?? new MemorySyncStore();
  const kind = options.kind ?? 'terminal';
  const handshake = handshakeFor({
    token: options.token,
    kind,
    storeId: options.storeId,
    store,
    instance: options.instance,
  });
  const inner = socketIoTransport(url, {
    handshake: async () => ({
      ...(await handshake()),
      ...(options.protocol !== undefined ? { protocol: options.protocol } : {}),
    }),
    reconnectionDelayMs: 50,
    reconnectionDelayMaxMs: 300,
  });
  const transport = options.wrap ? options.wrap(inner) : inner;
  const client = new SyncClient({
    requestTimeoutMs: 2_000,
    backoff: { baseMs: 20, maxMs: 300 },
    ...options,
    kind,
    transport,
    store,
  });
  client.start();
  return { client, store, transport, stop: () => client.stop() };
}

/** A sale as a terminal makes it: lines at given prices, totals that add up. */
export function salePayload(
  lines: Array<{ sku: string; qty: number; price: string }>,
  extra: Partial<SalePayload> = {},
) {
  const priced = lines.map((l) => ({
    sku: l.sku,
    qty: l.qty,
    unitPrice: l.price,
    total: new Decimal(l.price).times(l.qty).toFixed(2),
  }));
  const subtotal = priced.reduce((t, l) => t.plus(l.total), new Decimal(0));
  const tax = subtotal.times('0.08875').toDecimalPlaces(2);
  return {
    soldAt: Date.now(),
    currency: 'USD',
    lines: priced,
    subtotal: subtotal.toFixed(2),
    tax: tax.toFixed(2),
    total: subtotal.plus(tax).toFixed(2),
    taxIncluded: false,
    rulesSnapshotId: null,
    payments: [{ method: 'cash' as const, amount: subtotal.plus(tax).toFixed(2) }],
    ...extra,
  } satisfies SalePayload;
}

export function saleItem(terminalId: string, lines: Array<{ sku: string; qty: number; price: string }>): OutboxItem {
  return { id: uuidv7(), kind: 'sale', terminalId, createdAt: Date.now(), payload: salePayload(lines) } as OutboxItem;
}

/** A return as a terminal makes it: one refund per line, adding up. */
export function returnItem(
  terminalId: string,
  saleId: string | null,
  lines: Array<{ sku: string; qty: number; refund: string }>,
  extra: { restock?: boolean; reason?: string } = {},
): OutboxItem {
  return {
    id: uuidv7(),
    kind: 'return',
    terminalId,
    createdAt: Date.now(),
    payload: {
      returnedAt: Date.now(),
      currency: 'USD',
      saleId,
      lines,
      refundTotal: lines.reduce((t, l) => t.plus(l.refund), new Decimal(0)).toFixed(2),
      restock: extra.restock ?? true,
      ...(extra.reason ? { reason: extra.reason } : {}),
    },
  };
}

/** A change as the pricing code writes one: the event in the same transaction as the change. */
export async function changePrice(pool: pg.Pool, sku: string, price: string, storeId = 'demo'): Promise<number> {
  const [seq] = await inTransaction(pool, (client) =>
    appendEvents(client, [
      { storeId, type: 'price.changed', payload: { sku, price: { amount: price, currency: 'USD' } } },
    ]),
  );
  return Number(seq);
}

/** SKUs of the demo store with at least `minAvailable` units available, in order. */
export async function demoSkus(pool: pg.Pool, count: number, minAvailable = 100): Promise<string[]> {
  const { rows } = await pool.query<{ sku: string }>(
    `SELECT sku FROM stock_levels WHERE store_id = 'demo' AND received - sold - held >= $2 ORDER BY sku LIMIT $1`,
    [count, minAvailable],
  );
  return rows.map((r) => r.sku);
}

/** A store server on an existing test database (to restart one, or run two side by side). */
export function startOn(db: TestDatabase, env: Record<string, string | undefined> = {}): Promise<RunningServer> {
  const config = testConfig({ DATABASE_URL: db.url, ...FAST_SYNC_ENV, ...env });
  return startServer(config, pino({ level: config.logLevel }));
}
