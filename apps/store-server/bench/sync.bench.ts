import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { handshakeFor, MemorySyncStore, type OutboxItem, SyncClient, socketIoTransport } from '@till/sync';
import { Decimal } from 'decimal.js';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { appendEvents } from '../src/db/events';
import { inTransaction } from '../src/db/pool';
import { benchDatabase, percentile } from './support';

/**
 * Sync bench (`pnpm --filter @till/store-server bench sync`, also part of `pnpm bench`):
 *   1. a price change reaches 200 connected clients: latency from COMMIT returning to each
 *      client having applied it (target p99 ≤ 50 ms);
 *   2. 1,000 offline sales uploaded by one terminal and reconciled (target ≤ 2 s);
 *   3. catch-up of 10,000 changes by a client that was away (target ≤ 1 s).
 * The server runs in a child process on a fresh database; the clients run here.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200);
const PRICE_CHANGES = Number(process.env.BENCH_PRICE_CHANGES ?? 100);
const SALES = Number(process.env.BENCH_SALES ?? 1_000);
const CATCH_UP = Number(process.env.BENCH_CATCH_UP ?? 10_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(1);
  }
}
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function startServerProcess(databaseUrl: string, dataDir: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'sync-server.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TILL_DATA_DIR: dataDir,
      TILL_SEED_DEMO: 'true',
      REDIS_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
  });
  const ready = JSON.parse(line) as { url: string; keys: { terminal: string; manager: string } };
  return {
    ...ready,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function client(url: string, token: string, store: MemorySyncStore, terminalId?: string, batch?: number) {
  const transport = socketIoTransport(url, { handshake: handshakeFor({ token, kind: 'terminal', store }) });
  const c = new SyncClient({
    transport,
    store,
    kind: 'terminal',
    terminalId,
    uploadBatchSize: batch,
    requestTimeoutMs: 30_000,
  });
  c.start();
  return c;
}

async function head(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ seq: string }>('SELECT coalesce(max(seq), 0)::text AS seq FROM events');
  return Number(rows[0]?.seq);
}

async function priceChangeFanOut(url: string, token: string, pool: pg.Pool, skus: string[]) {
  const start = await head(pool);
  const received = new Map<number, number[]>(); // seq → receipt times
  const clients = Array.from({ length: CLIENTS }, () => {
    const store = new MemorySyncStore({ cursor: start });
    const c = client(url, token, store);
    c.on('changes', ({ changes }) => {
      const now = performance.now();
      for (const change of changes) received.get(change.seq)?.push(now);
    });
    return c;
  });
  await until('all clients online', () => clients.every((c) => c.status.state === 'online'));
  await sleep(500);
  const latencies: number[] = [];
  for (let i = 0; i < PRICE_CHANGES + 5; i++) {
    const sku = skus[i % skus.length] as string;
    const client = await pool.connect();
    await client.query('BEGIN');
    const [seq] = await appendEvents(client, [
      { storeId: 'demo', type: 'price.changed', payload: { sku, price: { amount: `${10 + i}.00`, currency: 'USD' } } },
    ]);
    received.set(Number(seq), []);
    await client.query('COMMIT');
    const committed = performance.now();
    client.release();
    await until(`change ${seq} on every client`, () => (received.get(Number(seq))?.length ?? 0) === CLIENTS, 30_000);
    if (i >= 5) for (const t of received.get(Number(seq)) ?? []) latencies.push(t - committed); // 5 warm-up changes
    await sleep(20);
  }
  await Promise.all(clients.map((c) => c.stop()));
  latencies.sort((a, b) => a - b);
  return {
    clients: CLIENTS,
    changes: PRICE_CHANGES,
    samples: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
  };
}

async function enroll(url: string, managerKey: string) {
  const made = await fetch(`${url}/v1/terminals/enrollment-codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${managerKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench till' }),
  });
  const { code } = (await made.json()) as { code: string };
  const enrolled = await fetch(`${url}/v1/terminals/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  return (await enrolled.json()) as { terminalId: string; token: string };
}

async function offlineSales(url: string, managerKey: string, pool: pg.Pool, skus: string[], batch: number) {
  const terminal = await enroll(url, managerKey);
  const store = new MemorySyncStore({ cursor: await head(pool) });
  for (let i = 0; i < SALES; i++) {
    const lines = Array.from({ length: 1 + (i % 3) }, (_, k) => {
      const price = new Decimal(1 + ((i + k) % 17)).plus('0.99');
      return { sku: skus[(i * 3 + k) % skus.length] as string, qty: 1 + (k % 2), unitPrice: price.toFixed(2) };
    }).map((l) => ({ ...l, total: new Decimal(l.unitPrice).times(l.qty).toFixed(2) }));
    const subtotal = lines.reduce((t, l) => t.plus(l.total), new Decimal(0));
    const tax = subtotal.times('0.08875').toDecimalPlaces(2);
    const item: OutboxItem = {
      id: uuidv7(),
      kind: 'sale',
      terminalId: terminal.terminalId,
      createdAt: Date.now(),
      payload: {
        soldAt: Date.now(),
        currency: 'USD',
        lines,
        subtotal: subtotal.toFixed(2),
        tax: tax.toFixed(2),
        total: subtotal.plus(tax).toFixed(2),
        taxIncluded: false,
        rulesSnapshotId: null,
        payments: [{ method: 'card', amount: subtotal.plus(tax).toFixed(2) }],
      },
    };
    store.add(item.id, item);
  }
  const started = performance.now();
  const c = client(url, terminal.token, store, terminal.terminalId, batch);
  await until('the outbox to empty', () => store.pendingCount === 0);
  const elapsed = performance.now() - started;
  await c.stop();
  const statuses: Record<string, number> = {};
  for (const r of store.results.values()) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const { rows } = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM pos_sales WHERE terminal_id = $1', [
    terminal.terminalId,
  ]);
  return {
    sales: SALES,
    batch,
    ms: elapsed,
    perSecond: (SALES / elapsed) * 1000,
    statuses,
    stored: Number(rows[0]?.n),
  };
}

async function catchUp(url: string, token: string, pool: pg.Pool, skus: string[]) {
  const from = await head(pool);
  for (let i = 0; i < CATCH_UP; i += 2_000) {
    await inTransaction(pool, (c) =>
      appendEvents(
        c,
        Array.from({ length: Math.min(2_000, CATCH_UP - i) }, (_, k) => ({
          storeId: 'demo',
          type: 'price.changed',
          payload: { sku: skus[(i + k) % skus.length], price: { amount: `${(i + k) % 100}.49`, currency: 'USD' } },
        })),
      ),
    );
  }
  const to = await head(pool);
  const store = new MemorySyncStore({ cursor: from });
  const started = performance.now();
  const c = client(url, token, store);
  await until('caught up', () => store.cursor() === to);
  const elapsed = performance.now() - started;
  await c.stop();
  return { changes: store.applied.length, ms: elapsed, perSecond: (store.applied.length / elapsed) * 1000 };
}

export async function run(): Promise<void> {
  const database = await benchDatabase('sync');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-bench-sync-'));
  const server = await startServerProcess(database.url, dataDir);
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  try {
    const { rows } = await pool.query<{ sku: string }>(
      `SELECT sku FROM stock_levels WHERE store_id = 'demo' AND received >= 200 ORDER BY sku LIMIT 500`,
    );
    const skus = rows.map((r) => r.sku);
    console.log(
      `\nSync bench on ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${new Date().toISOString()}`,
    );
    const load = () =>
      os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ');
    console.log('Server in a child process on a fresh database; clients in this process.');
    console.log(`Load average at start: ${load()} (a shared machine: compare figures within one run)\n`);

    const fanOut = await priceChangeFanOut(server.url, server.keys.terminal, pool, skus);
    console.log(
      `1. Price change → ${fanOut.clients} clients (${fanOut.changes} changes, ${fanOut.samples} receipts), commit → applied:`,
    );
    console.log(
      `   p50 ${ms(fanOut.p50)}   p95 ${ms(fanOut.p95)}   p99 ${ms(fanOut.p99)}   max ${ms(fanOut.max)}   (target p99 ≤ 50 ms)`,
    );

    for (const batch of [100, 200]) {
      const sales = await offlineSales(server.url, server.keys.manager, pool, skus, batch);
      console.log(
        `2. ${sales.sales} offline sales uploaded and reconciled, batches of ${batch}: ${ms(sales.ms)} (${sales.perSecond.toFixed(0)}/s; ${JSON.stringify(sales.statuses)}; ${sales.stored} stored)   (target ≤ 2,000 ms)`,
      );
    }
    // The same, with the commands of a batch applied one after the other (for the ratio).
    const serial = await startServerProcess(database.url, dataDir, { SYNC_UPLOAD_MODE: 'per_command' });
    try {
      const sales = await offlineSales(serial.url, serial.keys.manager, pool, skus, 100);
      console.log(
        `   for comparison, one command at a time (SYNC_UPLOAD_MODE=per_command), batches of 100: ${ms(sales.ms)} (${sales.perSecond.toFixed(0)}/s)`,
      );
    } finally {
      await serial.stop();
    }

    const caught = await catchUp(server.url, server.keys.terminal, pool, skus);
    console.log(
      `3. Catch-up of ${caught.changes} changes, connect to current: ${ms(caught.ms)} (${caught.perSecond.toFixed(0)}/s)   (target ≤ 1,000 ms)`,
    );
    console.log(`Load average at end: ${load()}\n`);
  } finally {
    await pool.end();
    await server.stop();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
