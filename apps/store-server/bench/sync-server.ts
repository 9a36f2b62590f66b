import pino from 'pino';
import { loadConfig } from '../src/config';
import { startServer } from '../src/server';

/**
 * A store server in its own process for the sync bench (so that the 200 clients measured
 * do not share its event loop). Prints one JSON line `{ url, keys }` when it is ready.
 */
const config = loadConfig({ ...process.env, PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
const server = await startServer(config, pino({ level: config.logLevel }));
process.stdout.write(`${JSON.stringify({ url: server.url, keys: server.demoKeys })}\n`);
const stop = () => void server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
