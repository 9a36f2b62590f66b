import autocannon from 'autocannon';

/**
 * Drives load from a process of its own, so that the load generator does not share the
 * server's event loop: `tsx load-worker.ts '<autocannon options as JSON>'` prints the
 * autocannon result as one JSON line.
 */
const options = JSON.parse(process.argv[2] ?? '{}') as autocannon.Options;
const result = await autocannon(options);
process.stdout.write(`${JSON.stringify(result)}\n`);
