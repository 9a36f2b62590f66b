/**
 * The load generator of the holds bench, run as its own process (so that it does not share
 * the server's event loop): autocannon POSTs /v1/holds, each request a new holder, the SKU
 * taken in turn from a list. Prints autocannon's result as one JSON line.
 *
 *   tsx bench/drive-holds.ts <url> <api key> <seconds> <connections> <sku,sku,...>
 *
 * With "-" as the SKU list it GETs /healthz instead: what the HTTP stack alone does here.
 */
import autocannon from 'autocannon';

const [url, key, seconds, connections, skuList] = process.argv.slice(2);
if (!url || !key || !seconds || !connections || !skuList) {
  process.stderr.write('usage: drive-holds.ts <url> <key> <seconds> <connections> <skus>\n');
  process.exit(2);
}
const skus = skuList.split(',');
let n = 0;

const bare = skuList === '-';
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
process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  })}\n`,
);
