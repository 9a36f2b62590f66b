import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root: `.till/` (the embedded default's data) lives here unless TILL_DATA_DIR says otherwise. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const urlWithProtocol = (protocols: string[], example: string) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL like ${example}` },
    );

const port = z.coerce
  .number({ message: 'must be a whole number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const blankAsUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** Every variable Till reads, with its default. `.env.example` mirrors this list. */
const envSchema = z.object({
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.preprocess(
    blankAsUndefined,
    urlWithProtocol(['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/database').optional(),
  ),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1, 'must be at least 1').max(500).default(20),
  REDIS_URL: z.preprocess(
    blankAsUndefined,
    urlWithProtocol(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').optional(),
  ),
  RABBITMQ_URL: z.preprocess(
    blankAsUndefined,
    urlWithProtocol(['amqp:', 'amqps:'], 'amqp://guest:guest@127.0.0.1:5672').optional(),
  ),
  TILL_DATA_DIR: z.string().trim().min(1).default(path.join(repoRoot, '.till')),
  EMBEDDED_PG_PORT: port.default(0),
  TILL_SEED_DEMO: flag.default(true),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
  SYNC_HEARTBEAT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  SYNC_COALESCE_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  SYNC_POLL_MS: z.coerce.number().int().min(5).max(60_000).default(50),
  SYNC_REPLAY_LIMIT: z.coerce.number().int().min(1).max(100_000_000).default(100_000),
  SYNC_UPLOAD_PARALLELISM: z.coerce.number().int().min(1).max(64).default(8),
  SYNC_REDIS_STREAM: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9:._-]{1,100}$/, 'must be 1–100 letters, digits or :._-')
    .default('till:sync'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  host: string;
  port: number;
  logLevel: Env['LOG_LEVEL'];
  /** Absent: start the embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Absent: the StockAuthority runs in Postgres mode. */
  redisUrl: string | undefined;
  rabbitmqUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  seedDemo: boolean;
  shutdownTimeoutMs: number;
  /** How long a verified API key is trusted without asking the database: a revocation's delay. */
  apiKeyCacheMs: number;
  sync: SyncConfig;
}

export interface SyncConfig {
  /** Every room gets a batch at least this often; clients pull after three missed. */
  heartbeatMs: number;
  /** Stock levels and holds are pushed at most this often per room (newest per SKU). */
  coalesceMs: number;
  /** How often the publisher looks for changes that do not wake it (stock, holds, sales). */
  pollMs: number;
  /** A client further behind than this many changes gets a snapshot instead of a replay. */
  replayLimit: number;
  /** Redis stream (and pub/sub prefix) of the Socket.IO adapter, with REDIS_URL. */
  redisStream: string;
  /** Commands of an uploaded batch applied at the same time, each in its own transaction. */
  uploadParallelism: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const given = env[name];
      const shown = given === undefined ? '' : ` (got ${JSON.stringify(redact(given))})`;
      return `${name} ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  return {
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    rabbitmqUrl: e.RABBITMQ_URL,
    dataDir: path.resolve(e.TILL_DATA_DIR),
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    seedDemo: e.TILL_SEED_DEMO,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    apiKeyCacheMs: e.API_KEY_CACHE_MS,
    sync: {
      heartbeatMs: e.SYNC_HEARTBEAT_MS,
      coalesceMs: e.SYNC_COALESCE_MS,
      pollMs: e.SYNC_POLL_MS,
      replayLimit: e.SYNC_REPLAY_LIMIT,
      redisStream: e.SYNC_REDIS_STREAM,
      uploadParallelism: e.SYNC_UPLOAD_PARALLELISM,
    },
  };
}

/** Hides a password in a URL-shaped value before it is printed. */
export function redact(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return value;
  }
}
