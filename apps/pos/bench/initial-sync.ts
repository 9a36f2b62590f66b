/**
 * First sync of a terminal against a real store server with a 100,000-product catalog:
 * enrollment, then the paged snapshot over Socket.IO into the terminal's SQLite, until the
 * replica holds the whole catalog. Reports the time and the SQLite file's size.
 */
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { issueApiKey, loadConfig, seedDemoStore, startServer } from '@till/store-server';
import pg from 'pg';
import pino from 'pino';
import { connectToStore } from '../src/core/link';
import { openSqliteDb } from '../src/core/platform/db';
import { enginePricing } from '../src/core/pricing';
import { createTerminal } from '../src/core/terminal';
import { benchDir } from './support';

const LOCAL_PG = 'postgres://postgres@127.0.0.1:5432/postgres';

async function withDatabase<T>(name: string, run: (url: string) => Promise<T>): Promise<T> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? LOCAL_PG;
  const db = `till_bench_pos_${name}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  const url = new URL(adminUrl);
  url.pathname = `/${db}`;
  try {
    return await run(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  }
}

export async function initialSyncBench(options: { products: number }) {
  return withDatabase('sync', async (databaseUrl) => {
    const config = loadConfig({ DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'silent', TILL_SEED_DEMO: 'false' });
    const server = await startServer(config, pino({ level: 'silent' }));
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const dir = benchDir('initial-sync');
    try {
      const seeded = await seedDemoStore(pool, options.products);
      const manager = await issueApiKey(pool, { storeId: 'demo', role: 'manager', name: 'bench manager' });
      const made = await fetch(`${server.url}/v1/terminals/enrollment-codes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${manager.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Bench till' }),
      });
      const { code } = (await made.json()) as { code: string };

      const file = dir.file('terminal.db');
      const terminal = createTerminal({ db: openSqliteDb(file), pricing: enginePricing() });
      // Where the time goes: connect and plan, pages (server query, Socket.IO, staging), the swap.
      const phases = { begin: 0, pages: 0, pageTime: 0, commit: 0 };
      const store = terminal.syncStore;
      const begin = store.beginSnapshot.bind(store);
      const page = store.applySnapshotPage.bind(store);
      const commit = store.commitSnapshot.bind(store);
      store.beginSnapshot = (info) => {
        phases.begin = performance.now() - started;
        begin(info);
      };
      store.applySnapshotPage = (p) => {
        const t = performance.now();
        page(p);
        phases.pages++;
        phases.pageTime += performance.now() - t;
      };
      store.commitSnapshot = (info) => {
        const t = performance.now();
        commit(info);
        phases.commit = performance.now() - t;
      };
      const started = performance.now();
      const loaded = new Promise<number>((resolve) => {
        terminal.syncStore.onApplied(() => {
          if (terminal.catalog.counts().products >= seeded.products) resolve(performance.now() - started);
        });
      });
      const link = await connectToStore(terminal, {
        serverUrl: server.url,
        enrollmentCode: code,
        log: { info: () => {}, warn: (m) => console.warn(m) },
      });
      await terminal.connect(link);
      const took = await loaded;
      const counts = terminal.catalog.counts();
      await terminal.close();
      const db = openSqliteDb(file);
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      const size = statSync(file).size;
      console.log(
        `initial sync from a real store server (Socket.IO snapshot, ${counts.products.toLocaleString('en-US')} products, ` +
          `${counts.rules} rules, ${counts.customers} customers): ${(took / 1000).toFixed(2)} s from start to a full replica; ` +
          `SQLite file ${(size / 1024 / 1024).toFixed(1)} MB\n` +
          `  snapshot began after ${(phases.begin / 1000).toFixed(2)} s (enrollment, settings, connect); ` +
          `${phases.pages} pages staged in ${(phases.pageTime / 1000).toFixed(2)} s of SQLite time; ` +
          `swap into the replica ${(phases.commit / 1000).toFixed(2)} s; the rest is the server reading pages and the wire`,
      );
      return { seconds: took / 1000, bytes: size };
    } finally {
      dir.remove();
      await pool.end();
      await server.stop();
    }
  });
}
