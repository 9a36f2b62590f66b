import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Role } from './auth/api-keys';

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

/** Requests per key and window; 0 means no limit. */
const rateLimit = z.coerce
  .number({ message: 'must be a whole number' })
  .int('must be a whole number')
  .min(0, 'must be 0 (no limit) or more');

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
  REDIS_CLUSTER: flag.default(false),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,50}$/, 'must be 1–50 letters, digits, ":", "_" or "-"')
    .default('till:'),
  HOLD_SWEEP_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(50, 'must be at least 50')
    .max(1_000, 'must be at most 1000 (holds are swept at least every second)')
    .default(1_000),
  HOLD_PERSIST_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(1_000, 'must be at most 1000 (a checkout waits for the decisions of other instances at most 1 s)')
    .default(5),
  PROCUREMENT_WEBHOOK_URL: z.preprocess(
    blankAsUndefined,
    urlWithProtocol(['http:', 'https:'], 'https://erp.example.com/hooks/low-stock').optional(),
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
  SYNC_UPLOAD_MODE: z.enum(['batch', 'per_command']).default('batch'),
  SYNC_REDIS_STREAM: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9:._-]{1,100}$/, 'must be 1–100 letters, digits or :._-')
    .default('till:sync'),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  RATE_LIMIT_STOREFRONT: rateLimit.default(3_000_000),
  RATE_LIMIT_TERMINAL: rateLimit.default(12_000),
  RATE_LIMIT_MANAGER: rateLimit.default(6_000),
  RATE_LIMIT_ADMIN: rateLimit.default(6_000),
  RATES_FEED_URL: z.preprocess(
    blankAsUndefined,
    urlWithProtocol(['http:', 'https:'], 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml').optional(),
  ),
  RATES_FEED_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(7 * 86_400_000)
    .default(21_600_000),
  RATES_FEED_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  GEOIP_DATABASE: z.preprocess(blankAsUndefined, z.string().trim().optional()),
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
  /** REDIS_URL names one node of a Redis Cluster (hot SKUs' buckets then spread over its slots). */
  redisCluster: boolean;
  /** Prefix of every Redis key of the stock authority (several Tills, or tests, can share a Redis). */
  redisKeyPrefix: string;
  /** How often expired holds are swept (at most 1 s). */
  holdSweepIntervalMs: number;
  /** Redis mode: hold decisions reach PostgreSQL in batches, at most this long after they were made. */
  holdPersistIntervalMs: number;
  /** Low-stock alerts are POSTed here (with retries); absent: alerts stay on the dashboard only. */
  procurementWebhookUrl: string | undefined;
  rabbitmqUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  seedDemo: boolean;
  shutdownTimeoutMs: number;
  /** How long a verified API key is trusted without asking the database: a revocation's delay. */
  apiKeyCacheMs: number;
  sync: SyncConfig;
  /** Requests each API key may make per window, by the key's role; 0: no limit. */
  rateLimits: { windowMs: number; perRole: Record<Role, number> };
  /** A feed of exchange rates in the ECB daily XML format, fetched every `intervalMs`; absent: rates come only from the API. */
  ratesFeed: { url: string; intervalMs: number; timeoutMs: number } | undefined;
  /** A MaxMind-format country database for GeoIP currency choice; absent: the bundled DB-IP Lite one; "off": none. */
  geoipDatabase: string | undefined;
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
  /**
   * `batch`: the sales of an uploaded batch are applied together, set-based; `per_command`:
   * one at a time (slower; for comparison, or should the batch path ever misbehave).
   */
  uploadMode: 'batch' | 'per_command';
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
    redisCluster: e.REDIS_CLUSTER,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    holdSweepIntervalMs: e.HOLD_SWEEP_INTERVAL_MS,
    holdPersistIntervalMs: e.HOLD_PERSIST_INTERVAL_MS,
    procurementWebhookUrl: e.PROCUREMENT_WEBHOOK_URL,
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
      uploadMode: e.SYNC_UPLOAD_MODE,
    },
    rateLimits: {
      windowMs: e.RATE_LIMIT_WINDOW_MS,
      perRole: {
        storefront: e.RATE_LIMIT_STOREFRONT,
        terminal: e.RATE_LIMIT_TERMINAL,
        manager: e.RATE_LIMIT_MANAGER,
        admin: e.RATE_LIMIT_ADMIN,
      },
    },
    ratesFeed: e.RATES_FEED_URL
      ? { url: e.RATES_FEED_URL, intervalMs: e.RATES_FEED_INTERVAL_MS, timeoutMs: e.RATES_FEED_TIMEOUT_MS }
      : undefined,
    geoipDatabase: e.GEOIP_DATABASE,
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
