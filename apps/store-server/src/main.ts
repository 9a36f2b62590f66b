import pino from 'pino';
import { type Config, ConfigError, loadConfig } from './config';
import { type RunningServer, StartupError, startServer } from './server';

/** `pnpm start`: the store server with the embedded defaults, a banner, and a clean Ctrl-C. */

function fail(message: string): never {
  process.stderr.write(`\nTill could not start:\n${message}\n\n`);
  process.exit(1);
}

function banner(server: RunningServer, config: Config): string {
  const db = server.database.embedded
    ? `embedded PostgreSQL in ${server.database.embedded.pgdataDir} (port ${server.database.embedded.port})`
    : 'PostgreSQL at DATABASE_URL';
  const seeded = server.seed ? `${server.seed.products.toLocaleString('en-US')} products` : 'no demo seed';
  return [
    '',
    `Till store server is ready (${seeded}).`,
    '',
    `  Manager dashboard   ${server.url}/dashboard/${server.demoKeys ? `#key=${server.demoKeys.manager}` : ''}`,
    `  API documentation   ${server.url}/docs`,
    `  Storefront API      ${server.url}/v1/products`,
    `  POS terminal        run \`pnpm pos\` in another terminal; it connects to ${server.url}`,
    `  Health              ${server.url}/healthz · ${server.url}/readyz · ${server.url}/metrics`,
    '',
    ...(server.demoKeys
      ? [
          '  Demo API keys (send as "Authorization: Bearer <key>"):',
          `    storefront        ${server.demoKeys.storefront}`,
          `    terminal          ${server.demoKeys.terminal}`,
          `    manager           ${server.demoKeys.manager}`,
          '',
        ]
      : []),
    `  Database            ${db}`,
    `  Stock holds         ${config.redisUrl ? 'Redis mode (REDIS_URL)' : 'Postgres mode (set REDIS_URL for Redis mode)'}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

async function main() {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(`${error.message}\nSee .env.example for every variable and its default.`);
    throw error;
  }
  const logger = pino({
    level: config.logLevel,
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname' } } } : {}),
  });

  let server: RunningServer;
  try {
    server = await startServer(config, logger);
  } catch (error) {
    if (error instanceof StartupError) fail(error.message);
    logger.fatal({ err: error }, 'start failed');
    fail((error as Error).message);
  }
  process.stdout.write(banner(server, config));

  let firstSignalAt: number | undefined;
  const shutdown = (signal: string) => {
    if (firstSignalAt !== undefined) {
      // A Ctrl-C reaches us both directly and relayed by tsx; only a later, second
      // Ctrl-C from the person means "stop now".
      if (Date.now() - firstSignalAt < 1_500) return;
      process.stderr.write('Second signal: stopping now.\n');
      process.exit(130);
    }
    firstSignalAt = Date.now();
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      process.stderr.write(`Shutdown took longer than ${config.shutdownTimeoutMs} ms; stopping now.\n`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    server
      .stop()
      .then(() => {
        process.stdout.write('Till stopped.\n');
        process.exit(0);
      })
      .catch((error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

void main();
