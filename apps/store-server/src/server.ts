import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Logger } from 'pino';
import { buildApp } from './app';
import { type Config, redact } from './config';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './db/embedded-postgres';
import { migrate } from './db/migrate';
import { createPool, ensureDatabase } from './db/pool';
import { type DemoKeys, ensureDemoKeys } from './seed/demo-keys';
import { DEMO_STORE, type SeedResult, seedDemoStore } from './seed/seed-demo-store';

/** A failure to start that the person starting Till can fix; printed as one message, no stack. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  database: { url: string; embedded: EmbeddedPostgres | undefined };
  seed: SeedResult | undefined;
  /** Keys of the demo store, when it is seeded. */
  demoKeys: DemoKeys | undefined;
  /** Stops taking requests, drains, closes the pool, then stops an embedded PostgreSQL. Safe to call twice. */
  stop(): Promise<void>;
}

const EMBEDDED_DATABASE = 'till';

async function connect(config: Config, logger: Logger) {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: undefined };
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPgPort,
    log: (line) => logger.debug({ component: 'embedded-postgres' }, line),
    notice: (message) => logger.info({ component: 'embedded-postgres' }, message),
  });
  logger.info({ pgdata: embedded.pgdataDir, port: embedded.port }, 'embedded PostgreSQL started');
  try {
    return { url: await ensureDatabase(embedded.url, EMBEDDED_DATABASE), embedded };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}

function describeDatabaseError(error: unknown, url: string): string | undefined {
  const e = error as { code?: string; message?: string };
  const where = redact(url);
  switch (e.code) {
    case 'ECONNREFUSED':
      return `DATABASE_URL: nothing answers at ${where}. Start PostgreSQL there, or unset DATABASE_URL to use the embedded one.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DATABASE_URL: the host of ${where} cannot be found.`;
    case '28P01':
    case '28000':
      return `DATABASE_URL: PostgreSQL refused the login for ${where} (${e.message}).`;
    case '3D000':
      return `DATABASE_URL: the database in ${where} does not exist (${e.message}).`;
    default:
      return undefined;
  }
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const database = await connect(config, logger).catch((error: Error) => {
    if (error.name === 'EmbeddedPostgresError') throw new StartupError(error.message);
    throw error;
  });
  const pool = createPool(database.url, config.databasePoolSize);
  let app: FastifyInstance | undefined;
  const release = async () => {
    await app?.close();
    await pool.end().catch(() => {});
    await database.embedded?.stop();
  };

  try {
    let applied: string[];
    try {
      applied = await migrate(database.url, (m) => logger.debug({ component: 'migrate' }, m));
    } catch (error) {
      throw new StartupError(
        describeDatabaseError(error, database.url) ?? `Migrating the database failed: ${(error as Error).message}`,
      );
    }
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    const seed = config.seedDemo ? await seedDemoStore(pool) : undefined;
    if (seed?.created) logger.info({ products: seed.products }, 'demo store seeded');
    const demoKeys = seed ? await ensureDemoKeys(pool, config.dataDir, DEMO_STORE.id) : undefined;

    app = await buildApp({ config, db: pool, logger });
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        throw new StartupError(
          `PORT ${config.port} is already in use on ${config.host}. Stop the program using it, or set PORT to a free port.`,
        );
      }
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
        throw new StartupError(`HOST ${config.host} is not an address of this machine.`);
      }
      if (code === 'EACCES') {
        throw new StartupError(
          `PORT ${config.port} needs privileges this user does not have; choose a port above 1023.`,
        );
      }
      throw error;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    let stopping: Promise<void> | undefined;
    return {
      app,
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      database,
      seed,
      demoKeys,
      stop: () => {
        stopping ??= release();
        return stopping;
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

export type { pg };
