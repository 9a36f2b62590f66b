/**
 * The load generator of the holds bench, run as its own process (so that it does not share
 * the server's event loop): POST /v1/holds, each request a new holder, the SKU taken in turn
 * from a list. Prints the result as one JSON line.
 *
 *   tsx bench/drive-holds.ts <url> <api key> <seconds> <connections> <sku,sku,...>
 *
 * With "-" as the SKU list it GETs /healthz instead: what the HTTP stack alone does here.
 *
 * BENCH_LOAD chooses the generator: `wrk` (C, bench/wrk-holds.lua; the default when wrk is on
 * the PATH) or `autocannon` (Node). On two shared cores the generator's own CPU counts:
 * autocannon spends 30–80 µs per request, wrk a fraction of that, like redis-benchmark and
 * pgbench, which measure the ceilings.
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';

const [url, key, seconds, connections, skuList] = process.argv.slice(2);
if (!url || !key || !seconds || !connections || !skuList) {
  process.stderr.write('usage: drive-holds.ts <url> <key> <seconds> <connections> <skus>\n');
  process.exit(2);
}
const bare = skuList === '-';

const loadGenerator = (): 'wrk' | 'autocannon' => {
  const chosen = process.env.BENCH_LOAD;
  if (chosen === 'wrk' || chosen === 'autocannon') return chosen;
  if (chosen) throw new Error(`BENCH_LOAD must be wrk or autocannon, not ${chosen}`);
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    // wrk --version exits 1 after printing its version; only a missing binary is "not there"
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'autocannon';
  }
  return 'wrk';
};

async function withWrk(): Promise<string> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'wrk-holds.lua');
  const { stdout } = await promisify(execFile)(
    'wrk',
    ['-t', '2', '-c', connections as string, '-d', `${seconds}s`, '--timeout', '10s', '-s', script, url as string],
    { env: { ...process.env, HOLDS_KEY: key, HOLDS_SKUS: skuList, HOLDS_RUN: `${process.pid}${Date.now()}` } },
  );
  return stdout.trim().split('\n').at(-1) as string;
}

async function withAutocannon(): Promise<string> {
  const skus = (skuList as string).split(',');
  let n = 0;
  const result = await autocannon({
    url: `${url}${bare ? '/healthz' : '/v1/holds'}`,
    connections: Number(connections),
    duration: Number(seconds),
    requests: bare
      ? undefined
      : [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            setupRequest: (request) => {
              const i = n++;
              return {
                ...request,
                body: JSON.stringify({ sku: skus[i % skus.length], qty: 1, holderId: `bench-${process.pid}-${i}` }),
              };
            },
          },
        ],
  });
  return JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  });
}

const generator = loadGenerator();
const result = JSON.parse(generator === 'wrk' ? await withWrk() : await withAutocannon()) as object;
process.stdout.write(`${JSON.stringify({ ...result, generator })}\n`);
