/**
 * Stock holds bench (`pnpm --filter @till/store-server bench holds`, part of `pnpm bench`).
 *
 * In one run, on this machine:
 * 1. the ceilings: `redis-benchmark` running a minimal hold script with EVALSHA (what Redis
 *    alone can do), and `pgbench` running the conditional UPDATE of one hot row (what
 *    PostgreSQL alone can do), the same number of connections as the HTTP runs, no
 *    pipelining;
 * 2. the store server (its own process) in Redis mode and in Postgres mode, driven by wrk
 *    (or autocannon: BENCH_LOAD, see drive-holds.ts; another process) with POST /v1/holds — every request a new holder — on 1,
 *    10 and 100 SKUs; each row between two measurements of its mode's ceiling, and compared
 *    with their mean (the machine is shared: what it can do drifts within a run);
 * and prints throughput, latencies, the ratios to the ceilings, the load average, and where the
 * CPU went per request (server, Redis, PostgreSQL backends, load generator: see cpu-time.ts).
 *
 * Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (100), BENCH_PG_CLIENTS (pgbench clients,
 * default 20 = the server's pool), BENCH_DATABASE_URL (PostgreSQL server, default local),
 * BENCH_SKUS (1,10,100), BENCH_MODES (redis,postgres), BENCH_SERVER_NODE_ARGS (e.g.
 * --cpu-prof for the server process).
 * Needs redis-server, redis-benchmark and pgbench on the PATH, and wrk for the default load
 * (Debian: `apt-get install -y redis-server redis-tools postgresql wrk`).
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
import { type CpuPerRequest, loadAverage, measureCpu } from './cpu-time';
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
/** BENCH_REFERENCES=off skips the HTTP stack's reference runs (quicker, for comparing changes). */
const REFERENCES = process.env.BENCH_REFERENCES !== 'off';
/** BENCH_REDIS_COMMANDS=on prints what each Redis command cost per hold. */
const REDIS_COMMANDS = process.env.BENCH_REDIS_COMMANDS === 'on';

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
  return { port, pid: child.pid, stop: () => child.kill('SIGTERM') };
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
  generator: 'wrk' | 'autocannon';
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
    if (ready) {
      return {
        url,
        pid: child.pid,
        stop: () => new Promise<void>((r) => child.once('exit', () => r()).kill('SIGINT')),
      };
    }
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

interface Measured {
  drive: Drive;
  cpu: CpuPerRequest;
}

/** The backends serving `databaseUrl`, when PostgreSQL runs on this machine (their CPU is counted). */
async function backendsOf(databaseUrl: string): Promise<number[]> {
  const host = new URL(databaseUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) return [];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** A measured drive: its result and the CPU each process spent per request meanwhile. */
async function measuredDrive(
  server: { url: string; pid?: number },
  databaseUrl: string,
  redisPid: number | undefined,
  key: string,
  skus: string[],
): Promise<Measured> {
  const cpu = measureCpu({ server: server.pid, redis: redisPid, postgres: await backendsOf(databaseUrl) });
  const result = await drive(server.url, key, skus, SECONDS);
  return { drive: result, cpu: cpu.perRequest(result.requests, await backendsOf(databaseUrl)) };
}

const cpuText = (c: CpuPerRequest) =>
  `CPU µs/request: server ${c.server}, Redis ${c.redis}, PostgreSQL ${c.postgres}, load generator ${c.loadGenerator}`;

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
async function httpCeiling(): Promise<Measured> {
  const { url, drop } = await benchDatabase('holds_http');
  const server = await startServer(url, undefined);
  try {
    await drive(server.url, '-', ['-'], 2);
    return await measuredDrive(server, url, undefined, '-', ['-']);
  } finally {
    await server.stop();
    await drop();
  }
}

interface Row {
  skus: number;
  drive: Drive;
  cpu: CpuPerRequest;
  /** The ceiling measured right before and right after this row (the machine is shared: it drifts). */
  ceilings: [number, number];
}

const mean = ([a, b]: [number, number]) => (a + b) / 2;

/** For reference: a bare Fastify POST route shaped like a hold (bare-route-server.ts), in its own process. */
async function bareRoute(): Promise<Measured> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-route-server.ts'], {
    cwd: appDir,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the bare route server exited with ${code}`)));
  });
  const server = { url: `http://127.0.0.1:${port}`, pid: child.pid };
  try {
    await drive(server.url, '-', ['BARE-1'], 2);
    const cpu = measureCpu({ server: server.pid, postgres: [] });
    const result = await drive(server.url, '-', ['BARE-1'], SECONDS);
    return { drive: result, cpu: cpu.perRequest(result.requests, []) };
  } finally {
    await new Promise<void>((r) => child.once('exit', () => r()).kill('SIGINT'));
  }
}

/** What Redis spent per hold on each command (INFO commandstats since the last resetstat). */
async function redisCommandsPerHold(port: number, holds: number): Promise<string> {
  const { stdout } = await exec('redis-cli', ['-p', String(port), 'info', 'commandstats']);
  const parts: string[] = [];
  for (const m of stdout.matchAll(/^cmdstat_(\w+):calls=(\d+),usec=(\d+)/gm)) {
    const [, command, calls, usec] = m;
    if (Number(usec) / holds >= 0.05) {
      parts.push(`${command} ${(Number(calls) / holds).toFixed(3)} calls · ${(Number(usec) / holds).toFixed(2)} µs`);
    }
  }
  return `    Redis per hold: ${parts.join('; ')}`;
}

/**
 * The rows of one mode, each between two measurements of its ceiling (the first given), so
 * that a row is compared with what the machine could do at that time.
 */
async function mode(
  name: 'postgres' | 'redis',
  redis: { port: number; pid?: number } | undefined,
  ceiling: () => Promise<number>,
  first: number,
): Promise<Row[]> {
  const results: Row[] = [];
  const redisPort = redis?.port;
  let before = first;
  for (const count of SKU_COUNTS) {
    const { url, drop, skus, key } = await prepare(`holds_${name}_${count}`, count);
    const server = await startServer(url, redisPort ? `redis://127.0.0.1:${redisPort}` : undefined);
    let measured: Measured;
    try {
      await drive(server.url, key, skus, 2); // warm-up
      if (redisPort) await exec('redis-cli', ['-p', String(redisPort), 'config', 'resetstat']);
      measured = await measuredDrive(server, url, redis?.pid, key, skus);
      if (redisPort && REDIS_COMMANDS) log(await redisCommandsPerHold(redisPort, measured.drive.requests));
    } finally {
      await server.stop();
      await drop();
    }
    if (redisPort) await exec('redis-cli', ['-p', String(redisPort), 'flushall']);
    const after = await ceiling();
    const row: Row = { skus: count, ...measured, ceilings: [before, after] };
    results.push(row);
    const { drive: result, cpu } = measured;
    log(
      `  ${name.padEnd(8)} ${String(count).padStart(3)} SKU(s): ${result.rps.toFixed(0).padStart(6)} holds/s ` +
        `(${(result.rps / mean(row.ceilings)).toFixed(2)}x the ceiling, ${before.toFixed(0)} before / ${after.toFixed(0)} after), ` +
        `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}; ` +
        `${cpuText(cpu)}; load average ${loadAverage()}`,
    );
    before = after;
  }
  return results;
}

/** Run by bench/index.ts (`pnpm bench`, or `pnpm --filter @till/store-server bench holds`). */
export async function run() {
  log(
    `Stock holds bench: ${SECONDS} s per run, ${CONNECTIONS} connections, ${os.cpus().length} CPU cores (shared), ` +
      `load average ${loadAverage()}`,
  );
  const redis = await startRedis();
  const ceilingDb = await benchDatabase('holds_ceiling');
  try {
    const redisCeilingNow = async () => {
      const ops = await redisCeiling(redis.port);
      await exec('redis-cli', ['-p', String(redis.port), 'flushall']);
      log(`  ceiling  redis-benchmark EVALSHA minimal hold: ${ops.toFixed(0)} ops/s`);
      return ops;
    };
    const pgCeilingNow = async () => {
      const tps = await postgresCeiling(ceilingDb.url, true);
      log(`  ceiling  pgbench conditional UPDATE, one hot row, ${PG_CLIENTS} clients: ${tps.toFixed(0)} tps`);
      return tps;
    };

    let first = await redisCeilingNow();
    let bareRatio: { rps: number; ratio: number } | undefined;
    if (REFERENCES) {
      const http = await httpCeiling();
      const afterHttp = await redisCeilingNow();
      log(`  load generator: ${http.drive.generator}`);
      log(
        `  reference  GET /healthz (the HTTP stack alone): ${http.drive.rps.toFixed(0)} req/s ` +
          `(${(http.drive.rps / mean([first, afterHttp])).toFixed(2)}x the Redis ceiling), p99 ${http.drive.latency.p99} ms; ` +
          `${cpuText(http.cpu)}`,
      );
      const bare = await bareRoute();
      const afterBare = await redisCeilingNow();
      log(
        `  reference  a bare Fastify POST route shaped like a hold: ${bare.drive.rps.toFixed(0)} req/s ` +
          `(${(bare.drive.rps / mean([afterHttp, afterBare])).toFixed(2)}x the Redis ceiling), p99 ${bare.drive.latency.p99} ms; ` +
          `${cpuText(bare.cpu)}`,
      );
      bareRatio = { rps: bare.drive.rps, ratio: bare.drive.rps / mean([afterHttp, afterBare]) };
      first = afterBare;
    }
    const redisRuns = MODES.includes('redis') ? await mode('redis', redis, redisCeilingNow, first) : [];
    let pgRuns: Row[] = [];
    let pgAsyncMax = 0;
    if (MODES.includes('postgres')) {
      pgAsyncMax = await postgresCeiling(ceilingDb.url, false);
      log(`  ceiling  the same with synchronous_commit=off (as hold decisions commit): ${pgAsyncMax.toFixed(0)} tps`);
      pgRuns = await mode('postgres', undefined, pgCeilingNow, await pgCeilingNow());
    }

    const one = (runs: Row[]) => runs.find((r) => r.skus === 1);
    const r1 = one(redisRuns);
    const p1 = one(pgRuns);
    log('');
    log(
      '| mode | SKUs | holds/s | p50 ms | p99 ms | ceiling (before / after) | ratio to their mean | CPU µs/hold: server · Redis · PG · load |',
    );
    log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const [name, runs, what] of [
      ['Redis', redisRuns, 'redis-benchmark EVALSHA'],
      ['Postgres', pgRuns, 'pgbench UPDATE'],
    ] as const) {
      for (const r of runs) {
        log(
          `| ${name} | ${r.skus} | ${r.drive.rps.toFixed(0)} | ${r.drive.latency.p50} | ${r.drive.latency.p99} | ` +
            `${r.ceilings[0].toFixed(0)} / ${r.ceilings[1].toFixed(0)} (${what}) | ${(r.drive.rps / mean(r.ceilings)).toFixed(2)} | ` +
            `${r.cpu.server} · ${r.cpu.redis} · ${r.cpu.postgres} · ${r.cpu.loadGenerator} |`,
        );
      }
    }
    log('');
    if (r1) {
      log(
        `Redis mode, one hot SKU: ${(r1.drive.rps / mean(r1.ceilings)).toFixed(2)}x the Redis ceiling (target >= 0.25), ` +
          `p99 ${r1.drive.latency.p99} ms at ${CONNECTIONS} connections (target <= 20 ms)`,
      );
      // How far the HTTP path alone goes on this machine now: what no route can beat.
      if (bareRatio) {
        log(
          `Redis mode, one hot SKU: ${((100 * r1.drive.rps) / bareRatio.rps).toFixed(0)} % of the bare route's requests per second ` +
            `(the bare route itself: ${bareRatio.ratio.toFixed(2)}x the Redis ceiling)`,
        );
      }
    }
    if (p1) {
      log(
        `Postgres mode, one hot SKU: ${(p1.drive.rps / mean(p1.ceilings)).toFixed(2)}x the pgbench ceiling (target >= 0.5)`,
      );
      log(
        `Postgres mode, one hot SKU: ${(p1.drive.rps / pgAsyncMax).toFixed(2)}x pgbench with synchronous_commit=off (like for like)`,
      );
    }
    log(`Load average at the end: ${loadAverage()}`);
  } finally {
    redis.stop();
    await ceilingDb.drop();
  }
}
