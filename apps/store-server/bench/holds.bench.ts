/**
 * Stock holds bench (`pnpm --filter @till/store-server bench holds`, part of `pnpm bench`).
 *
 * In one run, on this machine:
 * 1. the ceilings: `redis-benchmark` running a minimal hold script with EVALSHA (what Redis
 *    alone can do), and `pgbench` running the conditional UPDATE of one hot row (what
 *    PostgreSQL alone can do);
 * 2. the store server (its own process) in Redis mode and in Postgres mode, driven by
 *    autocannon (another process) with POST /v1/holds — every request a new holder — on 1,
 *    10 and 100 SKUs;
 * and prints throughput, latencies and the ratios to the ceilings.
 *
 * Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (100), BENCH_PG_CLIENTS (pgbench clients,
 * default 20 = the server's pool), BENCH_DATABASE_URL (PostgreSQL server, default local),
 * BENCH_SKUS (1,10,100), BENCH_MODES (redis,postgres), BENCH_SERVER_NODE_ARGS (e.g.
 * --cpu-prof for the server process).
 * Needs redis-server, redis-benchmark and pgbench on the PATH.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { issueApiKey } from '../src/auth/api-keys';
import { freePort } from '../src/db/embedded-postgres';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { seedDemoStore } from '../src/seed/seed-demo-store';
import { minimalHoldScript } from '../src/stock/redis/scripts';
import { benchDatabase } from './support';

const exec = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const appDir = path.resolve(here, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const PG_CLIENTS = Number(process.env.BENCH_PG_CLIENTS ?? 20);
const HUGE = 1_000_000_000;
const SKU_COUNTS = (process.env.BENCH_SKUS ?? '1,10,100').split(',').map(Number);
const MODES = (process.env.BENCH_MODES ?? 'redis,postgres').split(',');

const log = (line: string) => process.stdout.write(`${line}\n`);

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    const ok = await exec('redis-cli', ['-p', String(port), 'ping']).then(
      (r) => r.stdout.includes('PONG'),
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, stop: () => child.kill('SIGTERM') };
}

/** Ceiling 1: Redis alone, running a minimal hold script with EVALSHA, no pipelining. */
async function redisCeiling(port: number): Promise<number> {
  const cli = (...args: string[]) => exec('redis-cli', ['-p', String(port), ...args]).then((r) => r.stdout.trim());
  await cli('HSET', 'bench:{hot}', 'free', String(HUGE));
  const sha = await cli('SCRIPT', 'LOAD', minimalHoldScript);
  const { stdout } = await exec('redis-benchmark', [
    '-p',
    String(port),
    '-c',
    String(CONNECTIONS),
    '-n',
    String(Math.max(100_000, SECONDS * 40_000)),
    '-q',
    'EVALSHA',
    sha,
    '1',
    'bench:{hot}',
  ]);
  const match = /([\d.]+) requests per second/.exec(stdout.replaceAll('\r', '\n'));
  if (!match?.[1]) throw new Error(`redis-benchmark said: ${stdout}`);
  return Number(match[1]);
}

/**
 * Ceiling 2: PostgreSQL alone, running the conditional UPDATE of one hot row; with
 * `synchronous_commit` on (as pgbench runs by default) or off (as Till commits hold decisions).
 */
async function postgresCeiling(url: string, synchronousCommit: boolean): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE IF NOT EXISTS bench_stock (id int PRIMARY KEY, received bigint, sold bigint, held bigint,
    CHECK (held = 0 OR sold + held <= received))`);
  await client.query(`INSERT INTO bench_stock VALUES (1, $1, 0, 0) ON CONFLICT (id) DO UPDATE SET held = 0`, [HUGE]);
  await client.end();
  const script = path.join(os.tmpdir(), `till-bench-hold-${process.pid}.sql`);
  fs.writeFileSync(script, 'UPDATE bench_stock SET held = held + 1 WHERE id = 1 AND received - sold - held >= 1;\n');
  const u = new URL(url);
  const { stdout } = await exec(
    'pgbench',
    [
      '-n',
      '-c',
      String(PG_CLIENTS),
      '-j',
      '2',
      '-T',
      String(SECONDS),
      '-f',
      script,
      '-h',
      u.hostname,
      '-p',
      u.port || '5432',
      '-U',
      decodeURIComponent(u.username || 'postgres'),
      u.pathname.slice(1),
    ],
    { env: { ...process.env, PGOPTIONS: `-c synchronous_commit=${synchronousCommit ? 'on' : 'off'}` } },
  );
  fs.rmSync(script, { force: true });
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  if (!match?.[1]) throw new Error(`pgbench said: ${stdout}`);
  return Number(match[1]);
}

interface Drive {
  requests: number;
  rps: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latency: { p50: number; p90: number; p99: number; max: number };
}

async function startServer(databaseUrl: string, redisUrl: string | undefined) {
  const port = await freePort();
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: appDir,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl ?? '',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      TILL_SEED_DEMO: 'false',
      API_KEY_CACHE_MS: '300000',
      DATABASE_POOL_SIZE: String(PG_CLIENTS),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  let last = 'no answer';
  for (let i = 0; i < 1200; i++) {
    const ready = await fetch(`${url}/readyz`).then(
      async (r) => {
        last = await r.text();
        return r.ok;
      },
      () => false,
    );
    if (ready) return { url, stop: () => new Promise<void>((r) => child.once('exit', () => r()).kill('SIGINT')) };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the store server did not become ready in 2 minutes: ${last}`);
}

async function drive(url: string, key: string, skus: string[], seconds: number): Promise<Drive> {
  const { stdout } = await exec(
    path.join(appDir, 'node_modules/.bin/tsx'),
    ['bench/drive-holds.ts', url, key, String(seconds), String(CONNECTIONS), skus.join(',')],
    { cwd: appDir, maxBuffer: 10_000_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Drive;
}

/** A seeded store database with `count` hot SKUs holding plenty of stock, and a storefront key. */
async function prepare(name: string, count: number) {
  const { url, drop } = await benchDatabase(name);
  await migrate(url);
  const pool = createPool(url, 4);
  await seedDemoStore(pool);
  const { rows } = await pool.query<{ sku: string }>(`SELECT sku FROM products ORDER BY sku LIMIT $1`, [count]);
  const skus = rows.map((r) => r.sku);
  await pool.query(
    `UPDATE stock_levels SET received = $2, low_stock_threshold = 0 WHERE store_id = 'demo' AND sku = ANY($1)`,
    [skus, HUGE],
  );
  const { key } = await issueApiKey(pool, { storeId: 'demo', role: 'storefront', name: `bench ${uuidv7()}` });
  await pool.end();
  return { url, drop, skus, key };
}

/** For reference: what the store server's HTTP stack alone does on this machine (GET /healthz). */
async function httpCeiling(): Promise<Drive> {
  const { url, drop } = await benchDatabase('holds_http');
  const server = await startServer(url, undefined);
  try {
    await drive(server.url, '-', ['-'], 2);
    return await drive(server.url, '-', ['-'], SECONDS);
  } finally {
    await server.stop();
    await drop();
  }
}

async function mode(name: 'postgres' | 'redis', redisPort: number | undefined) {
  const results: Array<{ skus: number; drive: Drive }> = [];
  for (const count of SKU_COUNTS) {
    const { url, drop, skus, key } = await prepare(`holds_${name}_${count}`, count);
    const server = await startServer(url, redisPort ? `redis://127.0.0.1:${redisPort}` : undefined);
    try {
      await drive(server.url, key, skus, 2); // warm-up
      const result = await drive(server.url, key, skus, SECONDS);
      results.push({ skus: count, drive: result });
      log(
        `  ${name.padEnd(8)} ${String(count).padStart(3)} SKU(s): ${result.rps.toFixed(0).padStart(6)} holds/s, ` +
          `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
      );
    } finally {
      await server.stop();
      await drop();
    }
    if (redisPort) await exec('redis-cli', ['-p', String(redisPort), 'flushall']);
  }
  return results;
}

/** Run by bench/index.ts (`pnpm bench`, or `pnpm --filter @till/store-server bench holds`). */
export async function run() {
  log(`Stock holds bench: ${SECONDS} s per run, ${CONNECTIONS} connections, ${os.cpus().length} CPU cores (shared)`);
  const redis = await startRedis();
  try {
    const redisMax = await redisCeiling(redis.port);
    await exec('redis-cli', ['-p', String(redis.port), 'flushall']);
    log(`  ceiling  redis-benchmark EVALSHA minimal hold: ${redisMax.toFixed(0)} ops/s`);
    const ceilingDb = await benchDatabase('holds_ceiling');
    const pgMax = await postgresCeiling(ceilingDb.url, true);
    const pgAsyncMax = await postgresCeiling(ceilingDb.url, false);
    await ceilingDb.drop();
    log(`  ceiling  pgbench conditional UPDATE, one hot row, ${PG_CLIENTS} clients: ${pgMax.toFixed(0)} tps`);
    log(`  ceiling  the same with synchronous_commit=off (as hold decisions commit): ${pgAsyncMax.toFixed(0)} tps`);

    const http = await httpCeiling();
    log(`  reference  GET /healthz (the HTTP stack alone): ${http.rps.toFixed(0)} req/s, p99 ${http.latency.p99} ms`);
    const redisRuns = MODES.includes('redis') ? await mode('redis', redis.port) : [];
    const pgRuns = MODES.includes('postgres') ? await mode('postgres', undefined) : [];

    const one = (runs: typeof redisRuns) => runs.find((r) => r.skus === 1)?.drive;
    const r1 = one(redisRuns);
    const p1 = one(pgRuns);
    log('');
    log('| mode | SKUs | holds/s | p50 ms | p99 ms | ceiling | ratio |');
    log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, runs, max, what] of [
      ['Redis', redisRuns, redisMax, 'redis-benchmark EVALSHA'],
      ['Postgres', pgRuns, pgMax, 'pgbench UPDATE'],
    ] as const) {
      for (const r of runs) {
        log(
          `| ${name} | ${r.skus} | ${r.drive.rps.toFixed(0)} | ${r.drive.latency.p50} | ${r.drive.latency.p99} | ${max.toFixed(0)} (${what}) | ${(r.drive.rps / max).toFixed(2)} |`,
        );
      }
    }
    log('');
    if (r1) {
      log(
        `Redis mode, one hot SKU: ${(r1.rps / redisMax).toFixed(2)}x the Redis ceiling (target >= 0.25), p99 ${r1.latency.p99} ms at ${CONNECTIONS} connections (target <= 20 ms)`,
      );
    }
    if (p1) {
      log(`Postgres mode, one hot SKU: ${(p1.rps / pgMax).toFixed(2)}x the pgbench ceiling (target >= 0.5)`);
      log(
        `Postgres mode, one hot SKU: ${(p1.rps / pgAsyncMax).toFixed(2)}x pgbench with synchronous_commit=off (like for like)`,
      );
    }
  } finally {
    redis.stop();
  }
}
